using System.Text.Json;
using SegLoop.Testing;

namespace SegLoop.Taxonomy.Tests;

public sealed class DefaultTaxonomyTests
{
    private static readonly CommonTaxonomy Default = CommonTaxonomy.LoadDefault();

    [Fact]
    public void Check_DefaultTaxonomy_HasNoProblems()
    {
        var report = TaxonomyCheck.CheckText(CommonTaxonomy.DefaultYaml(), "default");

        Assert.Empty(report.Problems);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal(Default.Version, report.Version);
    }

    [Fact]
    public void LoadDefault_Version_IsTwelveHexDigitsAndStable()
    {
        Assert.Matches("^[0-9a-f]{12}$", Default.Version);
        Assert.Equal(Default.Version, CommonTaxonomy.LoadDefault().Version);
    }

    [Fact]
    public void Find_CamVidClasses_DropsStuffAsBackgroundAndKeepsRoadUsers()
    {
        // classes.txt lines: "<id> <name>", e.g. "11 Unlabelled (void)".
        var names = File.ReadAllLines(SharedData.Path("camvid-dev", "classes.txt"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => l.Trim().Split(' ', 2)[1])
            .ToDictionary(n => n.ToLowerInvariant(), n => n);

        foreach (var background in new[] { "sky", "road", "building", "tree", "pavement" })
        {
            var found = Default.Find(names[background]);
            Assert.True(found is { Background: true }, $"CamVid '{names[background]}' should be background, got {found}");
        }
        Assert.Equal("car", Kept(names["car"]).Name);
        Assert.Equal("person", Kept(names["pedestrian"]).Name);
        Assert.Equal("rider", Kept(names["bicyclist"]).Name);
        // Every CamVid class maps somewhere: nothing is reported as unmapped.
        Assert.All(names.Values, n => Assert.NotNull(Default.Find(n)));
    }

    [Fact]
    public void Find_CocoMiniCategories_AllMapToApprovedObjectClassesOfTheSameName()
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(SharedData.CocoMiniAnnotations));
        var names = json.RootElement.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();

        Assert.Equal(80, names.Count);
        Assert.All(names, n => Assert.Equal(n, Kept(n).Name));
    }

    [Fact]
    public void Find_VocClassNames_AllMapToApprovedObjectClasses()
    {
        var names = File.ReadAllLines(SharedData.Path("voc-labelme", "class_names.txt"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && l != "_background_")
            .ToList();

        Assert.Equal(20, names.Count);
        Assert.All(names, n => Kept(n));
        Assert.Equal("airplane", Kept("aeroplane").Name);
        Assert.Equal("dining table", Kept("diningtable").Name);
        Assert.Equal("motorcycle", Kept("motorbike").Name);
        Assert.Equal("couch", Kept("sofa").Name);
        Assert.Equal("tv", Kept("tv/monitor").Name);
        Assert.True(Default.Find("_background_")?.Background);
    }

    [Theory]
    [InlineData("road")]
    [InlineData("sidewalk")]
    [InlineData("building")]
    [InlineData("wall")]
    [InlineData("fence")]
    [InlineData("vegetation")]
    [InlineData("terrain")]
    [InlineData("sky")]
    public void Find_CityscapesStuff_IsBackground(string name) => Assert.True(Default.Find(name)?.Background);

    [Theory]
    [InlineData("person")]
    [InlineData("rider")]
    [InlineData("car")]
    [InlineData("truck")]
    [InlineData("bus")]
    [InlineData("train")]
    [InlineData("motorcycle")]
    [InlineData("bicycle")]
    [InlineData("traffic light")]
    [InlineData("traffic sign")]
    public void Find_CityscapesThings_AreKept(string name) => Assert.Equal(name, Kept(name).Name);

    private static TaxonomyClass Kept(string name)
    {
        var found = Default.Find(name);
        Assert.True(found is { Approved: true, Background: false }, $"'{name}' should map to an approved object class, got {found?.ToString() ?? "nothing"}");
        return found!;
    }
}
