namespace SegLoop.Taxonomy.Tests;

public sealed class ClassNameKeyTests
{
    [Theory]
    [InlineData("Traffic Light", "trafficlight")]
    [InlineData("traffic-light", "trafficlight")]
    [InlineData("  TRAFFIC_light. ", "trafficlight")]
    [InlineData("tv/monitor", "tvmonitor")]
    [InlineData("Unlabelled (void)", "unlabelledvoid")]
    [InlineData("?!", "")]
    public void Of_IgnoresCaseSpacingAndPunctuation(string name, string expected) =>
        Assert.Equal(expected, ClassNameKey.Of(name));

    [Theory]
    [InlineData("Bicycles", new[] { "bicycles", "bicycle" })]
    [InlineData("buses", new[] { "buses", "buse", "bus" })]
    [InlineData("boxes", new[] { "boxes", "boxe", "box" })]
    [InlineData("bus", new[] { "bus" })]
    [InlineData("glass", new[] { "glass" })]
    [InlineData("glasses", new[] { "glasses", "glasse", "glass" })]
    [InlineData("brushes", new[] { "brushes", "brushe", "brush" })]
    [InlineData("Bicycles.", new[] { "bicycles", "bicycle" })]
    [InlineData("car", new[] { "car" })]
    [InlineData("", new string[0])]
    public void Candidates_TriesAsWrittenThenSimpleSingulars(string name, string[] expected) =>
        Assert.Equal(expected, ClassNameKey.Candidates(name));
}
