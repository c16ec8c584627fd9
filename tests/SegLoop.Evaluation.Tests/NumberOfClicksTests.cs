using SegLoop.Evaluation;
using Xunit;

namespace SegLoop.Evaluation.Tests;

public sealed class NumberOfClicksTests
{
    private static InstanceEvaluation Instance(params double[] iouPerStep) => new()
    {
        AnnotationId = 1,
        ImageId = 1,
        FileName = "x.jpg",
        Domain = "d",
        Category = "c",
        Steps = iouPerStep.Select(iou => new InstanceMetrics(iou, 0, 0, 0, 0)).ToList(),
    };

    [Fact]
    public void ClicksToReach_ReachedAfterTwoClicks_IsTwo() =>
        Assert.Equal(2, NumberOfClicks.ClicksToReach(Instance(0.5, 0.8, 0.86, 0.95), 0.85));

    [Fact]
    public void ClicksToReach_FirstMaskAlreadyGood_IsZero() =>
        Assert.Equal(0, NumberOfClicks.ClicksToReach(Instance(0.9, 0.95), 0.85));

    [Fact]
    public void ClicksToReach_ExactlyAtThreshold_Counts() =>
        Assert.Equal(1, NumberOfClicks.ClicksToReach(Instance(0.5, 0.85), 0.85));

    [Fact]
    public void ClicksToReach_NeverReached_IsNull() =>
        Assert.Null(NumberOfClicks.ClicksToReach(Instance(0.1, 0.2, 0.84), 0.85));

    [Fact]
    public void Compute_MixOfReachedAndNot_MeanWithFailuresCappedAtMaxClicks()
    {
        // clicks to 0.85: 0, 2, never (counts 3); to 0.90: 1, 3, never (3).
        var instances = new[] { Instance(0.86, 0.91, 0.92, 0.93), Instance(0.3, 0.6, 0.87, 0.95), Instance(0.1, 0.2, 0.3, 0.4) };

        var noc85 = NumberOfClicks.Compute(instances, 0.85, maxClicks: 3);
        var noc90 = NumberOfClicks.Compute(instances, 0.90, maxClicks: 3);

        Assert.Equal((0 + 2 + 3) / 3.0, noc85.Mean, 12);
        Assert.Equal(2, noc85.Reached);
        Assert.Equal((1 + 3 + 3) / 3.0, noc90.Mean, 12);
        Assert.Equal(2, noc90.Reached);
        Assert.Equal(3, noc90.Instances);
    }

    [Fact]
    public void Summarize_WithClicks_StrataCarryNoc85And90()
    {
        var header = new EvaluationSummary
        {
            GroundTruth = "gt", Tolerance = "t", Band = "b", Clicks = 2,
            Overall = MetricsAggregator.Stratum("*", "*", []), Domains = [], Strata = [],
        };

        var summary = MetricsAggregator.Summarize([Instance(0.5, 0.88, 0.95), Instance(0.95, 0.95, 0.95)], header);

        Assert.Equal([0.85, 0.90], summary.Overall.Noc.Select(n => n.Threshold));
        Assert.Equal(0.5, summary.Overall.Noc[0].Mean, 12);   // 1 and 0 clicks
        Assert.Equal(1.0, summary.Overall.Noc[1].Mean, 12);   // 2 and 0 clicks
        Assert.Single(summary.Strata);
        Assert.Equal(2, summary.Strata[0].Noc.Count);
    }

    [Fact]
    public void Summarize_WithoutClicks_NoNoc()
    {
        var header = new EvaluationSummary
        {
            GroundTruth = "gt", Tolerance = "t", Band = "b",
            Overall = MetricsAggregator.Stratum("*", "*", []), Domains = [], Strata = [],
        };

        Assert.Empty(MetricsAggregator.Summarize([Instance(0.5)], header).Overall.Noc);
    }
}
