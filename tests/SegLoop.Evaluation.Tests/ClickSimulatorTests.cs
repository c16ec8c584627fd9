using SegLoop.Contracts;
using SegLoop.Evaluation;
using SegLoop.Vision;
using Xunit;
using static SegLoop.Evaluation.Tests.MaskMetricsTests;

namespace SegLoop.Evaluation.Tests;

public sealed class ClickSimulatorTests
{
    [Fact]
    public void NextClick_MissedSquare_PositiveAtItsCentre()
    {
        // Truth 11 x 11 at [10, 20]^2, nothing predicted: the one pixel farthest from the border is (15, 15).
        var click = ClickSimulator.NextClick(Square(40, 40, 10, 10, 11), new Mask(40, 40));
        Assert.Equal(new Click(15, 15, Positive: true), click);
    }

    [Fact]
    public void NextClick_LargerFalseAlarm_NegativeAtItsCentre()
    {
        // Truth 5 x 5 at [2, 6]^2 is missed (area 25); the prediction is a 7 x 7 false alarm at [30, 36]^2 (area 49).
        var click = ClickSimulator.NextClick(Square(40, 40, 2, 2, 5), Square(40, 40, 30, 30, 7));
        Assert.Equal(new Click(33, 33, Positive: false), click);
    }

    [Fact]
    public void NextClick_MissedLShapeInsideTruth_CentreOfTheLargestMissedPart()
    {
        // Truth 20 x 20 at [0, 19]^2; prediction covers it except a 9 x 9 hole at [5, 13]^2 and a 3 x 3 hole at
        // [16, 18]^2: the larger hole wins and its centre is (9, 9).
        var truth = Square(30, 30, 0, 0, 20);
        var bytes = truth.ToArray();
        foreach (var (x0, side) in new[] { (5, 9), (16, 3) })
        {
            for (var y = x0; y < x0 + side; y++)
            {
                for (var x = x0; x < x0 + side; x++)
                    bytes[(y * 30) + x] = 0;
            }
        }
        var click = ClickSimulator.NextClick(truth, Mask.FromBytes(30, 30, bytes));
        Assert.Equal(new Click(9, 9, Positive: true), click);
    }

    [Fact]
    public void NextClick_RegionAtImageCorner_EdgeCountsAsBorder()
    {
        // A 5 x 5 miss in the corner [0, 4]^2: beyond the image counts as outside, so its centre is (2, 2), not (0, 0).
        var click = ClickSimulator.NextClick(Square(20, 20, 0, 0, 5), new Mask(20, 20));
        Assert.Equal(new Click(2, 2, Positive: true), click);
    }

    [Fact]
    public void NextClick_PerfectPrediction_Null()
    {
        var a = Square(20, 20, 3, 3, 6);
        Assert.Null(ClickSimulator.NextClick(a, a));
    }
}
