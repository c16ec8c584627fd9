namespace SegLoop.Taxonomy.Tests;

public sealed class MatchingTests
{
    private static readonly CommonTaxonomy Default = CommonTaxonomy.LoadDefault();

    private const string WithOverrides = """
        overrides:
          - customer: acme
            project: null
            map: { "Bicycles": bicycle, "bike": bicycle, "scooter": bicycle }
          - customer: acme
            project: streets
            map: { "bike": motorcycle }
        """;

    private static CommonTaxonomy DefaultWith(string overrides) =>
        CommonTaxonomy.Parse(CommonTaxonomy.DefaultYaml() + "\n" + overrides);

    [Theory]
    [InlineData("Traffic Light", "traffic light")]
    [InlineData("TRAFFIC_LIGHT", "traffic light")]
    [InlineData("traffic-lights", "traffic light")]
    [InlineData("trafficlight", "traffic light")]
    [InlineData("Bicycles", "bicycle")]
    [InlineData("buses", "bus")]
    [InlineData("Cars", "car")]
    [InlineData("Pedestrians", "person")]
    [InlineData("people", "person")]
    [InlineData("Wine Glasses", "wine glass")]
    [InlineData("skis", "skis")]
    [InlineData("ski", "skis")]
    [InlineData("tv/monitor", "tv")]
    [InlineData("motorbike", "motorcycle")]
    public void Find_IgnoresCaseSpacingPunctuationAndPlurals(string name, string expected) =>
        Assert.Equal(expected, Default.Find(name)?.Name);

    [Theory]
    [InlineData("zeppelin")]
    [InlineData("???")]
    [InlineData("")]
    public void Find_UnknownName_ReturnsNull(string name) => Assert.Null(Default.Find(name));

    [Fact]
    public void Find_CustomerOverride_MapsBikeAndBicyclesToBicycle()
    {
        var taxonomy = DefaultWith(WithOverrides);

        Assert.Equal("bicycle", taxonomy.Find("bike", "acme", "fields")?.Name);
        Assert.Equal("bicycle", taxonomy.Find("Bicycles", "acme", "fields")?.Name);
        Assert.Equal("bicycle", taxonomy.Find("BIKES", "ACME", null)?.Name);
    }

    [Fact]
    public void Find_CustomerOverride_BeatsCommonSynonym()
    {
        var taxonomy = DefaultWith(WithOverrides);

        // "scooter" is a common synonym of motorcycle; acme calls its push scooters bicycles.
        Assert.Equal("motorcycle", taxonomy.Find("scooter")?.Name);
        Assert.Equal("bicycle", taxonomy.Find("scooter", "acme", "fields")?.Name);
    }

    [Fact]
    public void Find_ProjectOverride_WinsOverCustomerOverride()
    {
        var taxonomy = DefaultWith(WithOverrides);

        Assert.Equal("motorcycle", taxonomy.Find("bike", "acme", "streets")?.Name);
        Assert.Equal("bicycle", taxonomy.Find("bike", "acme", "fields")?.Name);
        // Names the project does not override fall back to the customer's map.
        Assert.Equal("bicycle", taxonomy.Find("scooter", "acme", "streets")?.Name);
    }

    [Fact]
    public void Find_OtherCustomer_DoesNotSeeOverrides()
    {
        var taxonomy = DefaultWith(WithOverrides);

        // acme maps "scooter" to bicycle; everyone else gets the common synonym.
        Assert.Equal("bicycle", taxonomy.Find("bike", "globex", "streets")?.Name);
        Assert.Equal("motorcycle", taxonomy.Find("scooter", "globex", null)?.Name);
    }

    [Fact]
    public void Suggest_MisspeltName_OffersNearestClassFirst()
    {
        Assert.Equal("bicycle", Default.Suggest("bicylce").First());
        Assert.Equal("traffic light", Default.Suggest("traffic lamp").First());
        Assert.Equal("motorcycle", Default.Suggest("motorcycel").First());
        Assert.InRange(Default.Suggest("bicylce").Count, 1, 3);
    }

    [Fact]
    public void Suggest_NothingClose_ReturnsNoSuggestions() =>
        Assert.Empty(Default.Suggest("qqqqqqqqqqqq"));
}
