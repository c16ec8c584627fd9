using SegLoop.Evaluation;
using Xunit;

namespace SegLoop.Evaluation.Tests;

public sealed class AggregationAndGateTests
{
    private static InstanceEvaluation Instance(string domain, string category, double iou, double boundaryF, bool missed = false, double? afterClick = null) => new()
    {
        AnnotationId = 1,
        ImageId = 1,
        FileName = "x.jpg",
        Domain = domain,
        Category = category,
        Missed = missed,
        Steps = afterClick is null
            ? [new InstanceMetrics(iou, boundaryF, boundaryF, boundaryF, iou / 2)]
            : [new InstanceMetrics(iou, boundaryF, boundaryF, boundaryF, iou / 2), new InstanceMetrics(afterClick.Value, 1, 1, 1, afterClick.Value / 2)],
    };

    private static EvaluationSummary Header() => new()
    {
        GroundTruth = "gt",
        Tolerance = "t",
        Band = "b",
        Overall = MetricsAggregator.Stratum("*", "*", []),
        Domains = [],
        Strata = [],
    };

    private static EvaluationSummary Summary(params InstanceEvaluation[] instances) => MetricsAggregator.Summarize(instances, Header());

    [Theory]
    [InlineData(0, "small")]
    [InlineData(1023, "small")]
    [InlineData(1024, "medium")]
    [InlineData(9215, "medium")]
    [InlineData(9216, "large")]
    public void SizeClasses_CocoAreaThresholds(long area, string expected) => Assert.Equal(expected, SizeClasses.Of(area));

    [Fact]
    public void Summarize_SizesEmptiesAndFilledBox_CountedPerSizeClass()
    {
        InstanceEvaluation Sized(long area, double iou, bool empty, double boxIou) => Instance("street", "car", iou, iou) with
        {
            Area = area,
            Empty = [empty],
            FilledBox = new InstanceMetrics(boxIou, boxIou, boxIou, boxIou, boxIou),
        };

        var s = Summary(Sized(100, 0, empty: true, boxIou: 0.5), Sized(200, 0.6, empty: false, boxIou: 0.7), Sized(50_000, 0.9, empty: false, boxIou: 0.8));

        Assert.Equal(["small", "large"], s.Sizes.Select(x => x.Category));
        var small = s.Sizes[0];
        Assert.Equal(2, small.Instances);
        Assert.Equal(1, small.Steps[0].Empty);
        Assert.Equal(0.3, small.Steps[0].Iou, precision: 12);
        Assert.Equal(0.6, small.FilledBox!.Iou, precision: 12);
        Assert.Equal(1, s.Overall.Steps[0].Empty);
    }

    [Fact]
    public void FilledBox_FractionalBoxPartlyOutside_CoversEveryTouchedPixelInsideTheImage()
    {
        var mask = Evaluator.FilledBox(new Contracts.BoundingBox(-2.5, 1.5, 5, 2), 6, 5);

        // x from -2.5 to 2.5 covers columns 0..2, y from 1.5 to 3.5 covers rows 1..3.
        Assert.Equal(9, mask.Area);
        Assert.True(mask[2, 3]);
        Assert.False(mask[3, 1]);
    }

    [Fact]
    public void Summarize_TwoDomainsThreeClasses_MeansPerStratumDomainAndOverall()
    {
        var s = Summary(
            Instance("street", "car", 0.5, 0.4),
            Instance("street", "car", 1.0, 0.8),
            Instance("street", "person", 0.2, 0.1, missed: true),
            Instance("indoor", "car", 0.9, 0.6));

        Assert.Equal(3, s.Strata.Count);
        var streetCar = Assert.Single(s.Strata, x => x is { Domain: "street", Category: "car" });
        Assert.Equal(2, streetCar.Instances);
        Assert.Equal(0.75, streetCar.Steps[0].Iou, 12);
        Assert.Equal(0.6, streetCar.Steps[0].BoundaryF, 12);
        Assert.Equal(0.375, streetCar.Steps[0].BoundaryIou, 12);
        var street = Assert.Single(s.Domains, x => x.Domain == "street");
        Assert.Equal(3, street.Instances);
        Assert.Equal(1, street.Missed);
        Assert.Equal((0.5 + 1.0 + 0.2) / 3, street.Steps[0].Iou, 12);
        Assert.Equal(4, s.Overall.Instances);
        Assert.Equal((0.5 + 1.0 + 0.2 + 0.9) / 4, s.Overall.Steps[0].Iou, 12);
    }

    [Fact]
    public void Summarize_ClickSteps_OneMeanPerStep()
    {
        var s = Summary(Instance("d", "c", 0.4, 0.3, afterClick: 0.8), Instance("d", "c", 0.6, 0.5, afterClick: 0.9));
        Assert.Equal([0, 1], s.Overall.Steps.Select(x => x.Clicks));
        Assert.Equal(0.5, s.Overall.Steps[0].Iou, 12);
        Assert.Equal(0.85, s.Overall.Steps[1].Iou, 12);
    }

    [Fact]
    public void Compare_PlantedDropBeyondTolerance_ReportsTheStratumAndMetric()
    {
        var baseline = Summary(Instance("street", "car", 0.80, 0.70), Instance("indoor", "car", 0.90, 0.60));
        var current = Summary(Instance("street", "car", 0.77, 0.70), Instance("indoor", "car", 0.95, 0.60));

        var regressions = RegressionGate.Compare(baseline, current, maxDrop: 0.02);

        // IoU fell 0.03 and Boundary IoU (IoU / 2 here) fell 0.015: only the first is beyond 0.02.
        var r = Assert.Single(regressions);
        Assert.Equal(("street", "car", "IoU"), (r.Domain, r.Category, r.Metric));
        Assert.Equal(0.80, r.Baseline, 12);
        Assert.Equal(0.77, r.Current, 12);
    }

    [Fact]
    public void Compare_DropWithinTolerance_Passes()
    {
        var baseline = Summary(Instance("street", "car", 0.80, 0.70));
        var current = Summary(Instance("street", "car", 0.79, 0.69));
        Assert.Empty(RegressionGate.Compare(baseline, current, maxDrop: 0.02));
    }

    [Fact]
    public void Compare_StratumMissingFromCurrentRun_Fails()
    {
        var baseline = Summary(Instance("street", "car", 0.8, 0.7), Instance("street", "bus", 0.8, 0.7));
        var current = Summary(Instance("street", "car", 0.8, 0.7));
        var r = Assert.Single(RegressionGate.Compare(baseline, current, maxDrop: 0.02));
        Assert.Equal("bus", r.Category);
        Assert.True(double.IsNaN(r.Current));
    }

    [Fact]
    public void Compare_DropAfterClicksOnly_Fails()
    {
        var baseline = Summary(Instance("d", "c", 0.5, 0.5, afterClick: 0.9));
        var current = Summary(Instance("d", "c", 0.5, 0.5, afterClick: 0.8));
        var r = Assert.Single(RegressionGate.Compare(baseline, current, maxDrop: 0.05), x => x.Metric == "IoU");
        Assert.Equal(1, r.Clicks);
    }

    [Fact]
    public async Task WriteAsyncThenReadAsync_SameSummary_GatePasses()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segloop-eval-{Guid.NewGuid():N}.json");
        try
        {
            var summary = Summary(Instance("street", "car", 0.8, 0.7), Instance("indoor", "person", 0.6, 0.5));
            await new EvaluationResult { Summary = summary }.WriteAsync(path, CancellationToken.None);
            var read = await EvaluationResult.ReadAsync(path, CancellationToken.None);
            Assert.Equal(summary.Strata.Select(s => (s.Domain, s.Category, s.Instances, s.Steps[0])),
                read.Summary.Strata.Select(s => (s.Domain, s.Category, s.Instances, s.Steps[0])));
            Assert.Empty(RegressionGate.Compare(read.Summary, summary, 0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReadAsync_NotAMetricsFile_ClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segloop-eval-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(path, "[1, 2]");
            var e = await Assert.ThrowsAsync<EvaluationInputException>(() => EvaluationResult.ReadAsync(path, CancellationToken.None));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
