using SegLoop.Evaluation;
using SegLoop.Inference.Backends;
using SegLoop.Testing;
using SegLoop.Vision.Coco;
using Xunit;
using static SegLoop.Evaluation.Tests.MaskMetricsTests;

namespace SegLoop.Evaluation.Tests;

public sealed class EvaluatorTests
{
    private static RleMask Rle(SegLoop.Vision.Mask m) => RleMask.Encode(m.Data, m.Height, m.Width);

    // Image 1 (40 x 40) holds two cars; image 2 one person.
    private static GroundTruthSet TwoImages()
    {
        var images = new Dictionary<long, GroundTruthImage>
        {
            [1] = new(1, "a/1.jpg", null, 40, 40, "a"),
            [2] = new(2, "b/2.jpg", null, 40, 40, "b"),
        };
        return new GroundTruthSet("toy", images,
        [
            new GroundTruthInstance(11, 1, 3, "car", Rle(Square(40, 40, 2, 2, 10))),
            new GroundTruthInstance(12, 1, 3, "car", Rle(Square(40, 40, 25, 25, 10))),
            new GroundTruthInstance(21, 2, 1, "person", Rle(Square(40, 40, 5, 5, 20))),
        ]);
    }

    [Fact]
    public void Match_ByAnnotationIdThenBestIou_EachTruthGetsItsPrediction()
    {
        var truth = TwoImages();
        var predictions = new List<Prediction>
        {
            new(1, 3, Rle(Square(40, 40, 26, 25, 10)), 0.9, null, null),  // overlaps car 12 only
            new(1, 3, Rle(Square(40, 40, 3, 2, 10)), 0.8, null, null),    // overlaps car 11 only
            new(2, 1, Rle(Square(40, 40, 0, 0, 3)), 0.7, 21, null),        // names annotation 21 (no overlap needed)
            new(2, 3, Rle(Square(40, 40, 5, 5, 20)), 0.6, null, null),     // no car in image 2: a false alarm
        };

        var (matches, unmatched) = PredictionLoader.Match(truth, predictions);

        Assert.Equal(1, unmatched);
        Assert.Same(predictions[1], matches.Single(m => m.Truth.AnnotationId == 11).Prediction);
        Assert.Same(predictions[0], matches.Single(m => m.Truth.AnnotationId == 12).Prediction);
        Assert.Same(predictions[2], matches.Single(m => m.Truth.AnnotationId == 21).Prediction);
    }

    [Fact]
    public async Task LoadAsync_CocoResultsFile_ReadsRleScoreAndPromptLabel()
    {
        var truth = TwoImages();
        var rle = Rle(Square(40, 40, 2, 2, 10));
        var path = Path.Combine(Path.GetTempPath(), $"segloop-results-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path,
            "[{\"image_id\": 1, \"category_id\": 3, \"score\": 0.5, \"segmentation\": {\"size\": [40, 40], \"counts\": "
            + System.Text.Json.JsonSerializer.Serialize(rle.ToCompressedString())
            + "}, \"prompt\": {\"box\": [2, 2, 10, 10], \"label\": \"11\"}}]");
        try
        {
            var p = Assert.Single(await PredictionLoader.LoadAsync(path, truth, CancellationToken.None));
            Assert.Equal(rle, p.Mask);
            Assert.Equal(11, p.AnnotationId);
            Assert.Equal(new SegLoop.Contracts.BoundingBox(2, 2, 10, 10), p.PromptBox);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task LoadAsync_UnknownImage_ErrorNamesEntryAndImage()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segloop-results-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """[{"image_id": 99, "category_id": 3, "segmentation": {"size": [40, 40], "counts": "0"}}]""");
        try
        {
            var e = await Assert.ThrowsAsync<EvaluationInputException>(() => PredictionLoader.LoadAsync(path, TwoImages(), CancellationToken.None));
            Assert.Contains("entry 0", e.Message, StringComparison.Ordinal);
            Assert.Contains("99", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task RunAsync_PerfectAndMissingPredictions_OneAndZeroPerStratum()
    {
        var truth = TwoImages();
        var (matches, _) = PredictionLoader.Match(truth, [new(2, 1, truth.Instances[2].Mask, 1, 21, null)]);

        var instances = await Evaluator.RunAsync(truth, matches, null, new EvaluationOptions(), null, CancellationToken.None);
        var summary = MetricsAggregator.Summarize(instances, new EvaluationSummary
        {
            GroundTruth = "toy", Tolerance = "", Band = "", Overall = MetricsAggregator.Stratum("*", "*", []), Domains = [], Strata = [],
        });

        var person = Assert.Single(summary.Strata, s => s.Category == "person");
        Assert.Equal(new StepSummary(0, 1, 1, 1, 1, 1), person.Steps.Single());
        var car = Assert.Single(summary.Strata, s => s.Category == "car");
        Assert.Equal(2, car.Missed);
        Assert.Equal(0, car.Steps[0].Iou);
        Assert.Equal(0, car.Steps[0].BoundaryF); // no predicted boundary: P 1, R 0, F 0
    }

    [Fact]
    public void LoadMaskFolder_EcssdDev_HundredSalientInstancesWithImages()
    {
        var truth = GroundTruthLoader.LoadMaskFolder(SharedData.EcssdDev, DomainAssignment.Dataset);
        Assert.Equal(100, truth.Instances.Count);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), truth.Instances.Select(i => i.ImageId));
        Assert.All(truth.Images.Values, i => Assert.NotNull(i.Path));
        Assert.All(truth.Instances, i => Assert.True(i.Mask.Area > 0));
        Assert.All(truth.Images.Values, i => Assert.Equal("ecssd-dev", i.Domain));
    }

    [Fact]
    public async Task RunAsync_GrabCutOnTenEcssdImagesWithThreeClicks_MeanIouDoesNotFall()
    {
        // An honest check on real data: clicks at the centre of the largest error must not make GrabCut worse on
        // average (they can, if the seeds or the click placement were wrong).
        var truth = GroundTruthLoader.LoadMaskFolder(SharedData.EcssdDev, DomainAssignment.Dataset);
        var subset = truth with { Instances = truth.Instances.Take(10).ToList() };

        var instances = await Evaluator.RunAsync(subset, null, Segmenters.GrabCut(), new EvaluationOptions { Clicks = 3 }, null, CancellationToken.None);

        Assert.All(instances, i => Assert.Equal(4, i.Steps.Count));
        var before = instances.Average(i => i.Steps[0].Iou);
        var after = instances.Average(i => i.Steps[3].Iou);
        Assert.True(after >= before, $"mean IoU fell from {before:0.0000} to {after:0.0000} after 3 clicks");
        Assert.InRange(before, 0.3, 1.0); // GrabCut from a tight box does find salient objects
        Assert.All(instances, i => Assert.All(i.Clicks, c => Assert.InRange(c.X, 0, truth.Images[i.ImageId].Width - 1)));
    }
}
