using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.CropBuilder.Tests;

public sealed class DatasetTests
{
    private static DatasetBuilder Builder(IBlobStore store, DatasetOptions? options = null) =>
        new(store, Options.Create(new CropBuilderOptions { Dataset = options ?? new DatasetOptions() }), NullLogger<DatasetBuilder>.Instance);

    private static async Task<InMemoryBlobStore> CropAsync(IEnumerable<SegLoop.Annotations.AnnotationDocument> documents)
    {
        var store = new InMemoryBlobStore();
        var cropper = CocoMini.Cropper(store);
        foreach (var document in documents)
            await cropper.CropAsync(await CocoMini.StoreAsync(store, document), CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task BuildAsync_CocoMini_NoImageInTwoSplitsAndSplitsStableWhenImagesAdded()
    {
        var all = CocoMini.Documents;
        var subset = all.Where((_, i) => i % 3 == 0).ToList();

        var small = await Builder(await CropAsync(subset)).BuildAsync(new DateOnly(2025, 1, 1));
        var full = await Builder(await CropAsync(all)).BuildAsync(new DateOnly(2025, 1, 2));

        foreach (var build in new[] { small, full })
        {
            var splitsPerImage = build.Entries.GroupBy(e => e.Crop.SourceImageKey).ToDictionary(g => g.Key, g => g.Select(e => e.Split).Distinct().ToList());
            Assert.All(splitsPerImage, kv => Assert.Single(kv.Value));
        }
        var before = small.Entries.GroupBy(e => e.Crop.SourceImageKey).ToDictionary(g => g.Key, g => g.First().Split);
        var after = full.Entries.GroupBy(e => e.Crop.SourceImageKey).ToDictionary(g => g.Key, g => g.First().Split);
        Assert.True(before.Count >= 20 && after.Count > before.Count);
        foreach (var (image, split) in before)
            Assert.Equal(split, after[image]);
        // Every split is used on 80 images at 0.8 / 0.1 / 0.1.
        Assert.All(DatasetAssembler.Splits, s => Assert.Contains(s, after.Values));
        Assert.Equal(full.Entries.Count, full.Stats.Selected);
        Assert.Equal(full.Stats.Cells.Sum(c => c.Train + c.Val + c.Test), full.Stats.Selected);
    }

    [Fact]
    public void SplitOf_Fractions_MatchOverManyImages()
    {
        var counts = Enumerable.Range(0, 20000).Select(i => DatasetAssembler.SplitOf($"images/c/p/{i}.jpg", 0.7, 0.2))
            .GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts["train"], 13700, 14300);
        Assert.InRange(counts["val"], 3750, 4250);
        Assert.InRange(counts["test"], 1800, 2200);
    }

    [Fact]
    public void Assemble_OneDomainFloodsAClass_CapSharedByWeightSoItDoesNotDominate()
    {
        var rows = Rows("street", "car", 1000).Concat(Rows("indoor", "car", 40)).Concat(Rows("aerial", "car", 300)).Concat(Rows("street", "dog", 5));
        var options = new DatasetOptions { MaxPerClass = 300 };
        var picked = DatasetAssembler.Assemble(rows, options);
        var cars = picked.Where(e => e.Crop.ClassName == "car").GroupBy(e => e.Crop.Domain).ToDictionary(g => g.Key, g => g.Count());
        // 300 shared equally: indoor has only 40, so the other two take (300 - 40) / 2 each.
        Assert.Equal(40, cars["indoor"]);
        Assert.Equal(130, cars["street"]);
        Assert.Equal(130, cars["aerial"]);
        Assert.Equal(5, picked.Count(e => e.Crop.ClassName == "dog"));

        // Weights: street counts double.
        var weighted = DatasetAssembler.Allocate(300, new Dictionary<string, int> { ["street"] = 1000, ["aerial"] = 300, ["indoor"] = 40 },
            d => d == "street" ? 2 : 1);
        Assert.Equal(40, weighted["indoor"]);
        Assert.Equal(173, weighted["street"]); // 260 * 2/3 = 173.3
        Assert.Equal(87, weighted["aerial"]);  // 260 / 3 = 86.7, gets the remainder
        // Weight zero: none.
        Assert.Equal(0, DatasetAssembler.Allocate(10, new Dictionary<string, int> { ["a"] = 5, ["b"] = 50 }, d => d == "a" ? 0 : 1)["a"]);
    }

    [Fact]
    public void Assemble_MoreDataArrives_EarlierPicksKeptWhereTheCapAllows()
    {
        var first = DatasetAssembler.Assemble(Rows("street", "car", 50), new DatasetOptions { MaxPerClass = 100 });
        var second = DatasetAssembler.Assemble(Rows("street", "car", 80), new DatasetOptions { MaxPerClass = 100 });
        Assert.Subset(second.Select(e => e.Crop.CropId).ToHashSet(), first.Select(e => e.Crop.CropId).ToHashSet());
    }

    [Fact]
    public async Task BuildAsync_CocoMini_WritesManifestStatsAndContactSheet()
    {
        var store = await CropAsync(CocoMini.Documents);
        var result = await Builder(store, new DatasetOptions { ContactSheetSamplesPerClass = 2 }).BuildAsync(new DateOnly(2025, 3, 4));

        Assert.Equal("datasets/2025-03-04/manifest.jsonl", result.ManifestKey);
        var lines = System.Text.Encoding.UTF8.GetString(store.Blobs[result.ManifestKey]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(result.Entries.Count, lines.Length);
        Assert.Contains("\"split\":", lines[0]);
        var stats = System.Text.Json.JsonDocument.Parse(store.Blobs[result.StatsKey]);
        Assert.Equal(result.Stats.Selected, stats.RootElement.GetProperty("selected").GetInt32());
        var html = System.Text.Encoding.UTF8.GetString(store.Blobs[result.ContactSheetKey]);
        foreach (var cls in result.Entries.Select(e => e.Crop.ClassName).Distinct())
            Assert.Contains($"data-class=\"{System.Net.WebUtility.HtmlEncode(cls)}\"", html);
        Assert.Contains("data:image/png;base64,", html);
        // Two per class of more: the page says it is a sample, of how many.
        Assert.Contains(ContactSheet.SampleStatement(html.Split("<figure class=\"card\"").Length - 1, result.Entries.Count, 2), html);
        Assert.True(html.Split("<figure class=\"card\"").Length - 1 < result.Entries.Count);
        Assert.Contains("total", result.Stats.ToTable());

        // The same date over the same crops rewrites the same bytes.
        var manifest = store.Blobs[result.ManifestKey].ToArray();
        var again = await Builder(store, new DatasetOptions { ContactSheetSamplesPerClass = 2 }).BuildAsync(new DateOnly(2025, 3, 4));
        Assert.Equal(manifest, store.Blobs[again.ManifestKey]);
    }

    [Theory]
    [InlineData("2025-01-01T01:00:00Z", "02:00", "2025-01-01T02:00:00Z")]
    [InlineData("2025-01-01T02:00:00Z", "02:00", "2025-01-02T02:00:00Z")]
    [InlineData("2025-01-01T23:59:00Z", "00:30", "2025-01-02T00:30:00Z")]
    [InlineData("2025-01-01T03:00:00+05:00", "02:00", "2025-01-01T02:00:00Z")] // 22:00 UTC on Dec 31 -> 02:00 UTC Jan 1
    public void NextRun_TimesOfDay_NextUtcOccurrence(string now, string at, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            NightlySchedule.NextRun(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeOnly.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static IEnumerable<CropManifestRow> Rows(string domain, string cls, int count) =>
        Enumerable.Range(0, count).Select(i => new CropManifestRow
        {
            CropId = $"{domain}-{cls}-{i}", CropKey = $"crops/tx/{domain}/{cls}/{i}.jpg", MaskKey = $"crops/tx/{domain}/{cls}/{i}.mask.png",
            SourceImageKey = $"images/{domain}/{i / 3}.jpg", InstanceId = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ClassName = cls, Domain = domain,
            TaxonomyVersion = "tx", Customer = "c", Project = "p", TaskId = $"{i / 3}", SourceFormat = "coco", SourceWidth = 100, SourceHeight = 100,
            Bbox = new PixelBox(1, 1, 10, 10), Centre = new PixelPoint(5, 5), Window = new PixelBox(0, 0, 12, 12),
            Padding = new SegLoop.Vision.Padding(1, 1, 1, 1), ValidRegion = new PixelBox(0, 0, 12, 12), CropWidth = 12, CropHeight = 12, Area = 100,
        });
}
