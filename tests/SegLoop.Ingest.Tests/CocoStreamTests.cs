using System.Text;
using SegLoop.Importers;
using SegLoop.Testing;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest.Tests;

public sealed class CocoStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segloop-cocostream-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "instances.json");
        File.WriteAllText(path, json, Encoding.UTF8);
        return path;
    }

    [Fact]
    public async Task ReadAsync_CocoMini_SameTasksAndAnnotationsAsTheWholeDataset()
    {
        var dataset = await CocoDataset.LoadAsync(SharedData.CocoMiniAnnotations);
        var coco = CocoStream.Open(SharedData.CocoMiniAnnotations, CancellationToken.None);

        Assert.Equal(dataset.Annotations.Count, coco.AnnotationCount);
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        var i = 0;
        await foreach (var (image, annotations) in coco.ReadAsync(CancellationToken.None))
        {
            Assert.Equal(dataset.Images[i++], image);
            Assert.Equal(byImage[image.Id].Select(a => a.Id), annotations.Select(a => a.Id));
            Assert.Equal(byImage[image.Id].Select(a => a.Segmentation?.Polygons?.Sum(p => p.Length)), annotations.Select(a => a.Segmentation?.Polygons?.Sum(p => p.Length)));
        }
        Assert.Equal(dataset.Images.Count, i);
    }

    [Fact]
    public async Task ReadAsync_AnnotationsBeforeImagesAndElementsLargerThanTheBuffer_GroupedInFileOrder()
    {
        // One polygon of 40k points (~400 KB) makes the reader grow its 64 KB buffer mid-element.
        var big = string.Join(',', Enumerable.Range(0, 40_000).Select(i => (i % 600).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".25"));
        var json = "{\"info\": {\"images\": [1, 2], \"x\": \"annotations\"}, \"annotations\": [" +
                   "{\"id\": 3, \"image_id\": 2, \"category_id\": 1, \"segmentation\": [[1,1,5,1,5,5]]}," +
                   $"{{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"segmentation\": [[{big}]]}}," +
                   "{\"id\": 2, \"image_id\": 1, \"category_id\": 9, \"segmentation\": [[1,1,5,1,5,5]]}]," +
                   "\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 600, \"height\": 600}, {\"id\": 2, \"file_name\": \"b.jpg\"}]," +
                   "\"categories\": [{\"id\": 1, \"name\": \"cat\"}, {\"id\": 1, \"name\": \"ignored\"}], \"licenses\": []}";
        var coco = CocoStream.Open(Write(json), CancellationToken.None);

        var read = new List<string>();
        await foreach (var (image, annotations) in coco.ReadAsync(CancellationToken.None))
            read.Add($"{image.FileName}: {string.Join(',', annotations.Select(a => a.Id))}");

        Assert.Equal(["a.jpg: 1,2", "b.jpg: 3"], read);
        Assert.Equal("cat", coco.Categories[1]);
        Assert.Single(coco.Categories);
    }

    [Theory]
    [InlineData("null", "literal null")]
    [InlineData("{\"images\": null}", "set to null")]
    [InlineData("{\"images\": [", "not a valid instances document")]
    [InlineData("{\"images\": [], \"annotations\": [{\"id\": 1, \"image_id\": \"x\"}]}", "$.annotations[0]")]
    [InlineData("{\"annotations\": [{\"id\": 1, \"image_id\": 1, \"segmentation\": 7}]}", "$.annotations[0]")]
    public void Open_NotAnInstancesDocument_CocoMaskExceptionNamingWhere(string json, string expected)
    {
        var e = Assert.Throws<CocoMaskException>(() => CocoStream.Open(Write(json), CancellationToken.None));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
