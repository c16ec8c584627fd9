using System.Text.Json;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Importers;
using SegLoop.Interop;
using SegLoop.Interop.Coco;
using SegLoop.Interop.Cvat;
using SegLoop.Interop.LabelStudio;
using SegLoop.Vision.Coco;
using Xunit.Abstractions;

namespace SegLoop.Ingest.Tests;

/// <summary>
/// Golden round trips on coco-mini: COCO -> Label Studio JSON (or CVAT XML) -> SegLoop import through the Ingest
/// processor -> the store -> a COCO export, compared annotation by annotation with the original masks. One-ring
/// polygons travel as polygons and must come back pixel-exact; the rest (several rings, crowd RLE) travel as brush
/// or mask RLE, held to IoU >= 0.999 (they are lossless, so every one is 1).
/// </summary>
public sealed class AnnotatorFormatsRoundTripTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly ImportTarget Target = new("acme", "street", "everyday");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "segloop-interop-" + Guid.NewGuid().ToString("N")[..8]);
    private IngestTestHost _host = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _host = await IngestTestHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task CocoToLabelStudioToSegLoopToCoco_CocoMini_SameMasks()
    {
        var (coco, original) = await LoadCocoMiniAsync();
        var tasks = LabelStudioRegions.ToTasks(original, i => "/data/local-files/?d=coco-mini/train2017/" + i.FileName, new LsNames());
        var export = Path.Combine(_folder, "label-studio.json");
        await File.WriteAllTextAsync(export, JsonSerializer.Serialize(tasks, LsJson.Options));

        var summary = await ImportAsync(new LabelStudioImporter(export, new FolderImageSource(SharedData.CocoMiniImages)));

        Assert.Equal(coco.Images.Count, summary.Accepted);
        await AssertSameMasksAsync(coco, original, "label-studio");
    }

    [Fact]
    public async Task CocoToCvatXmlToSegLoopToCoco_CocoMini_SameMasks()
    {
        var (coco, original) = await LoadCocoMiniAsync();
        var xml = Path.Combine(_folder, "annotations.xml");
        await using (var stream = File.Create(xml))
            CvatXml.Write(stream, original);

        var summary = await ImportAsync(new CvatImporter(xml, new FolderImageSource(SharedData.CocoMiniImages)));

        Assert.Equal(coco.Images.Count, summary.Accepted);
        await AssertSameMasksAsync(coco, original, "cvat");
    }

    [Fact]
    public async Task LabelStudioImport_BadRegions_RejectedWithReasons()
    {
        var (_, original) = await LoadCocoMiniAsync();
        var image = original[0];
        var good = LabelStudioRegions.ToResult(image.Objects[0], image.Width, image.Height, new LsNames());
        var tasks = new[]
        {
            new LsTask
            {
                Id = "7",
                Data = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement("/data/upload/3/0a1b2c3d-" + image.FileName) },
                Annotations =
                [
                    new LsAnnotation
                    {
                        Result =
                        [
                            good,
                            good with { Id = "cut", Type = "brushlabels", Value = new LsValue { Format = "rle", Rle = [0, 0, 1], Brushlabels = ["cat"] } },
                            good with { Id = "unlabelled", Value = good.Value! with { Polygonlabels = [] } },
                        ],
                    },
                ],
            },
            new LsTask { Id = "8", Data = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement(image.FileName) }, Annotations = [new LsAnnotation { WasCancelled = true }] },
        };
        var export = Path.Combine(_folder, "bad.json");
        await File.WriteAllTextAsync(export, JsonSerializer.Serialize(tasks, LsJson.Options));

        var summary = await ImportAsync(new LabelStudioImporter(export, new FolderImageSource(SharedData.CocoMiniImages)));

        Assert.Equal(0, summary.Accepted);
        var reasons = summary.Outcomes.SelectMany(o => o.Rejected!.Reasons).ToList();
        Assert.Contains(reasons, r => r is { Code: RejectionCodes.RleMalformed, Item: "cut" } && r.Detail.Contains("ends early", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r is { Code: RejectionCodes.PolygonMalformed, Item: "unlabelled" } && r.Detail.Contains("no label", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r is { Code: RejectionCodes.MissingField, Item: "annotations" });
    }

    [Theory]
    [InlineData("/data/upload/3/0a1b2c3d-000000391895.jpg", "000000391895.jpg")]
    [InlineData("/data/local-files/?d=coco%2Ftrain2017%2F000000391895.jpg", "000000391895.jpg")]
    [InlineData("s3://bucket/images/000000391895.jpg", "000000391895.jpg")]
    [InlineData("https://example.com/a/b-c.jpg?X-Amz-Signature=1", "b-c.jpg")]
    public void ImageName_LabelStudioUrls_FileName(string url, string expected) =>
        Assert.Equal(expected, LabelStudioImporter.ImageName(url));

    private async Task<IngestSummary> ImportAsync(IAnnotationImporter importer)
    {
        var requests = importer.Open(Target, CancellationToken.None);
        var batch = new IngestBatch(_host.Processor, _host.Services.GetRequiredService<ITestHarness>().Bus);
        var summary = await batch.RunAsync(requests.Requests, null, CancellationToken.None);
        foreach (var rejected in summary.Outcomes.Where(o => !o.Accepted).Take(3))
            output.WriteLine($"{rejected.Rejected!.TaskId}: {string.Join("; ", rejected.Rejected.Reasons.Select(r => $"{r.Code} {r.Item}: {r.Detail}"))}");
        return summary;
    }

    /// <summary>Exports the stored project as COCO, parses it back and compares every annotation's mask with the original's.</summary>
    private async Task AssertSameMasksAsync(CocoDataset coco, IReadOnlyList<InteropImage> original, string route)
    {
        var stored = new List<InteropImage>();
        await foreach (var image in StoredAnnotations.ReadAsync(_host.Store, Target.Customer, Target.Project, null, CancellationToken.None))
            stored.Add(image);
        using var json = new MemoryStream();
        CocoInstancesWriter.Write(json, stored);
        var exported = CocoDataset.Parse(System.Text.Encoding.UTF8.GetString(json.ToArray()));
        var exportedCategories = exported.Categories.ToDictionary(c => c.Id, c => c.Name);
        var byName = exported.Images.ToDictionary(i => Path.GetFileNameWithoutExtension(i.FileName));

        int polygons = 0, exactPolygons = 0, masks = 0;
        var minIou = 1.0;
        foreach (var image in original)
        {
            var back = byName[image.FileName];
            Assert.Equal((image.Width, image.Height), (back.Width, back.Height));
            var annotations = exported.Annotations.Where(a => a.ImageId == back.Id).ToList();
            Assert.Equal(image.Objects.Count, annotations.Count);
            for (var k = 0; k < annotations.Count; k++)
            {
                var expected = image.Objects[k];
                var actual = annotations[k].Segmentation!.ToRle(back.Height, back.Width);
                Assert.Equal(expected.ClassName, exportedCategories[annotations[k].CategoryId]);
                Assert.Equal(actual.Area, (long)annotations[k].Area);
                if (expected.Polygons is [_])
                {
                    polygons++;
                    exactPolygons += expected.Mask.Equals(actual) ? 1 : 0;
                }
                else
                {
                    masks++;
                    minIou = Math.Min(minIou, RleMask.Iou([actual], [expected.Mask])[0, 0]);
                }
            }
        }
        output.WriteLine($"{route}: {polygons} one-ring polygons, {exactPolygons} pixel-exact; {masks} masks (brush/RLE), min IoU {minIou:F6}");
        Assert.Equal(polygons, exactPolygons);
        Assert.True(minIou >= 0.999, $"min IoU {minIou}");
        Assert.True(polygons > 500 && masks > 10, $"{polygons} polygons, {masks} masks");
    }

    private static async Task<(CocoDataset Coco, IReadOnlyList<InteropImage> Images)> LoadCocoMiniAsync()
    {
        var coco = await CocoDataset.LoadAsync(SharedData.CocoMiniAnnotations);
        var names = coco.Categories.ToDictionary(c => c.Id, c => c.Name);
        var images = coco.Images.Select(image => new InteropImage(image.FileName, image.Width, image.Height,
            coco.Annotations.Where(a => a.ImageId == image.Id).Select(a => new InteropObject(
                a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), names[a.CategoryId], a.Segmentation!.ToRle(image.Height, image.Width))
            {
                Polygons = a.IsCrowd == 0 ? a.Segmentation.Polygons : null,
                IsCrowd = a.IsCrowd != 0,
            }).ToList())).ToList();
        return (coco, images);
    }
}
