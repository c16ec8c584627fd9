using System.Text.Json;
using SegLoop.Cli.Prelabel;
using SegLoop.Testing;
using SegLoop.Vision.Coco;

namespace SegLoop.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class PrelabelCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("segloop-prelabel-");

    private static string Annotations => SharedData.Path("voc-labelme", "coco", "annotations.json");

    private string Output => Path.Combine(_temp.FullName, "out", "results.json");

    private PrelabelCommand.Arguments Coco(int? maxImages = null, double threshold = 0.5) =>
        new(Annotations, null, SharedData.VocLabelme, Output, Path.Combine(_temp.FullName, "data"),
            new PrelabelSettings { Threshold = threshold, MaxImages = maxImages, Timeout = TimeSpan.FromMinutes(3) });

    private static async Task<T> Quietly<T>(Func<Task<T>> run)
    {
        using var console = new ConsoleCapture();
        return await run();
    }

    [Fact]
    public async Task Prelabel_VocLabelmeCocoWithGrabCut_WritesOneResultPerAnnotation()
    {
        var summary = await Quietly(() => PrelabelCommand.RunAsync(Coco(), CancellationToken.None));

        Assert.Equal((3, 3, 3, 0, 0), (summary.Images, summary.Published, summary.Completed, summary.Failures.Count, summary.Remaining));
        var truth = await CocoDataset.LoadAsync(Annotations);
        var results = await ReadResultsAsync(Output);
        Assert.Equal(truth.Annotations.Count, results.Count);
        Assert.Equal(truth.Annotations.Select(a => a.Id).Order(), results.Select(r => r.AnnotationId!.Value).Order());
        var images = truth.Images.ToDictionary(i => i.Id);
        var ious = new List<double>();
        foreach (var result in results)
        {
            var annotation = truth.Annotations.Single(a => a.Id == result.AnnotationId);
            var image = images[annotation.ImageId];
            Assert.Equal(annotation.ImageId, result.ImageId);
            Assert.Equal(annotation.CategoryId, result.CategoryId);
            Assert.Equal(image.FileName, result.FileName);
            Assert.Equal([image.Height, image.Width], result.Segmentation.Size);
            Assert.Equal(annotation.Bbox, result.Prompt.Box);
            var mask = RleMask.FromCompressedString(image.Height, image.Width, result.Segmentation.Counts);
            var gt = annotation.Segmentation!.ToRle(image.Height, image.Width);
            ious.Add(RleMask.Iou([mask], [gt])[0, 0]);
        }
        // GrabCut from the ground-truth box scores about 0.5 mean IoU on these 12 VOC instances; a mask in the wrong
        // place or image would score near 0.
        Assert.True(ious.Average() > 0.35, $"mean IoU {ious.Average():0.000}");
        Assert.True(ious.Count(i => i > 0.5) >= 6, string.Join(", ", ious.Select(i => i.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal("[]", await File.ReadAllTextAsync(PrelabelCommand.FailuresPath(Output)));
    }

    [Fact]
    public async Task Prelabel_StoppedAfterOneImageThenRerun_PublishesOnlyTheRestAndKeepsEarlierResults()
    {
        var first = await Quietly(() => PrelabelCommand.RunAsync(Coco(maxImages: 1), CancellationToken.None));
        Assert.Equal((1, 1, 2), (first.Published, first.Completed, first.Remaining));
        var partial = await ReadResultsAsync(Output);
        Assert.NotEmpty(partial);
        Assert.Single(partial.Select(r => r.ImageId).Distinct());
        Assert.Equal(2, (await File.ReadAllLinesAsync(PrelabelState.PathFor(Output))).Length); // header + one image

        var second = await Quietly(() => PrelabelCommand.RunAsync(Coco(), CancellationToken.None));
        Assert.Equal((1, 2, 2, 0), (second.Skipped, second.Published, second.Completed, second.Remaining));
        var third = await Quietly(() => PrelabelCommand.RunAsync(Coco(), CancellationToken.None));
        Assert.Equal((3, 0), (third.Skipped, third.Published));

        var results = await ReadResultsAsync(Output);
        Assert.Equal(12, results.Count);
        Assert.Equal(12, results.Select(r => r.AnnotationId).Distinct().Count());
        Assert.Equal(4, (await File.ReadAllLinesAsync(PrelabelState.PathFor(Output))).Length); // header + three images, none twice
        // The first run's masks are kept as they were, not redone.
        foreach (var earlier in partial)
            Assert.Equal(earlier.Segmentation.Counts, results.Single(r => r.AnnotationId == earlier.AnnotationId).Segmentation.Counts);
    }

    [Fact]
    public async Task Prelabel_ProgressFileFromOtherSettings_IsRefusedWithExitCode2()
    {
        await Quietly(() => PrelabelCommand.RunAsync(Coco(maxImages: 1), CancellationToken.None));

        using var console = new ConsoleCapture();
        var exitCode = await SegLoopCommand.Create().Parse(["prelabel", "--coco", Annotations, "--images", SharedData.VocLabelme,
            "--out", Output, "--threshold", "0.7", "--data", Path.Combine(_temp.FullName, "data")]).InvokeAsync();

        Assert.Equal(PrelabelCommand.BadInput, exitCode);
        Assert.Contains("belongs to a run with other settings", console.Error);
    }

    [Fact]
    public async Task Prelabel_BoxesFileWithAMissingImage_ReportsItAsFailedAndLabelsTheRest()
    {
        var boxes = Path.Combine(_temp.FullName, "boxes.json");
        await File.WriteAllTextAsync(boxes, """
            [{"image": "JPEGImages/2011_000003.jpg", "boxes": [[191, 107, 123, 221], [5, 5, 40, 60]], "labels": ["person-1", "corner"], "category_id": [15, 3]},
             {"image": "JPEGImages/no-such-image.jpg", "boxes": [[1, 1, 10, 10]], "image_id": 99}]
            """);
        var args = new PrelabelCommand.Arguments(null, boxes, SharedData.VocLabelme, Output, Path.Combine(_temp.FullName, "data"), new PrelabelSettings());

        var summary = await Quietly(() => PrelabelCommand.RunAsync(args, CancellationToken.None));

        Assert.Equal((1, 1), (summary.Published, summary.Completed));
        var failure = Assert.Single(summary.Failures);
        Assert.Equal((99L, "image-not-readable"), (failure.ImageId, failure.Code));
        var results = await ReadResultsAsync(Output);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(1, r.ImageId));
        Assert.Equal([("person-1", 15L), ("corner", 3L)], results.Select(r => (r.Prompt.Label!, r.CategoryId!.Value)).ToList());
        Assert.All(results, r => Assert.Null(r.AnnotationId));
        var failures = JsonSerializer.Deserialize<List<PrelabelFailure>>(await File.ReadAllTextAsync(PrelabelCommand.FailuresPath(Output)))!;
        Assert.Equal("JPEGImages/no-such-image.jpg", Assert.Single(failures).FileName);
    }

    [Fact]
    public async Task Prelabel_BadBoxesFile_NamesTheEntryAndExitsWith2()
    {
        var boxes = Path.Combine(_temp.FullName, "boxes.json");
        await File.WriteAllTextAsync(boxes, """[{"image": "a.jpg", "boxes": [[1, 2, 3]]}]""");

        using var console = new ConsoleCapture();
        var exitCode = await SegLoopCommand.Create().Parse(["prelabel", "--boxes", boxes, "--images", _temp.FullName, "--out", Output]).InvokeAsync();

        Assert.Equal(PrelabelCommand.BadInput, exitCode);
        Assert.Contains("entry 1: a.jpg: box 0 must be [x, y, w, h]", console.Error);
    }

    [Fact]
    public void RequestId_SameImageBoxesAndSalt_IsStableAndChangesWithTheSalt()
    {
        var prompts = new[] { new PrelabelPrompt(new Contracts.BoundingBox(1, 2, 3, 4), "7", 1, 7) };
        var salt = PrelabelRunner.Salt("/x/annotations.json", null, 0.5);

        Assert.Equal(PrelabelRunner.RequestId(salt, "prelabel/images/ab/x.jpg", prompts), PrelabelRunner.RequestId(salt, "prelabel/images/ab/x.jpg", prompts));
        Assert.NotEqual(PrelabelRunner.RequestId(salt, "prelabel/images/ab/x.jpg", prompts),
            PrelabelRunner.RequestId(PrelabelRunner.Salt("/x/annotations.json", null, 0.6), "prelabel/images/ab/x.jpg", prompts));
        Assert.Matches("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$", PrelabelRunner.RequestId(salt, "k", prompts));
    }

    [Fact]
    public void StateOpen_TornLastLine_IsIgnoredAndTheFileStaysAppendable()
    {
        var path = Path.Combine(_temp.FullName, "r.json.progress.jsonl");
        var header = new ProgressHeader("abcd1234", "src", null, 0.5);
        var entry = new ProgressEntry("req-1", 1, "a.jpg", "grabcut", "builtin", []);
        using (var state = PrelabelState.Open(path, header))
            state.Record(entry);
        File.AppendAllText(path, "{\"request_id\":\"req-2\",\"ima");

        using (var state = PrelabelState.Open(path, header))
        {
            Assert.Equal(["req-1"], state.Done.Keys);
            state.Record(entry with { RequestId = "req-3" });
            state.Record(entry with { RequestId = "req-3" });
        }
        using var reopened = PrelabelState.Open(path, header);
        Assert.Equal(["req-1", "req-3"], reopened.Done.Keys.Order());
    }

    private static async Task<List<PrelabelResult>> ReadResultsAsync(string path) =>
        JsonSerializer.Deserialize<List<PrelabelResult>>(await File.ReadAllTextAsync(path))!;

    public void Dispose() => _temp.Delete(recursive: true);
}
