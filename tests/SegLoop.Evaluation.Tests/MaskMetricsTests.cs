using SegLoop.Evaluation;
using SegLoop.Vision;
using SegLoop.Vision.Coco;
using Xunit;

namespace SegLoop.Evaluation.Tests;

// Hand-made masks with answers derived by hand. A useful fact for the boundary cases: DAVIS's seg2bmap outline
// of the square [x0, x0+s-1] x [y0, y0+s-1] (away from the image edge) is the one-pixel ring of the square
// [x0-1, x0+s-1] x [y0-1, y0+s-1], of side s+1: 4s pixels (outside along the top and left, inside along the
// bottom and right).
public sealed class MaskMetricsTests
{
    private const int Side = 10;

    internal static Mask Square(int width, int height, int x0, int y0, int side) => Rectangle(width, height, x0, y0, side, side);

    internal static Mask Rectangle(int width, int height, int x0, int y0, int w, int h)
    {
        var bytes = new byte[width * height];
        for (var y = y0; y < y0 + h; y++)
        {
            for (var x = x0; x < x0 + w; x++)
                bytes[(y * width) + x] = 1;
        }
        return Mask.FromBytes(width, height, bytes);
    }

    [Fact]
    public void BoundaryMap_Square_IsTheRingOfTheSquareGrownUpAndLeft()
    {
        var map = MaskMetrics.BoundaryMap(Square(32, 32, 10, 10, Side));

        Assert.Equal(4 * Side, map.Area);
        Assert.True(map[9, 9]);   // outside, top-left corner of the ring
        Assert.True(map[9, 19]);  // outside on the left, level with the last row
        Assert.True(map[19, 19]); // inside, bottom-right corner
        Assert.False(map[10, 10]); // the object's own top-left pixel is not on the outline
        Assert.False(map[20, 15]); // outside on the right is not on the outline
    }

    [Fact]
    public void Iou_IdenticalSquares_One()
    {
        var a = Square(32, 32, 10, 10, Side);
        Assert.Equal(1.0, MaskMetrics.Iou(a, a));
    }

    [Fact]
    public void Iou_SquareShiftedByOnePixel_NineElevenths()
    {
        // Overlap 9 x 10 = 90, union 11 x 10 = 110.
        var iou = MaskMetrics.Iou(Square(32, 32, 10, 10, Side), Square(32, 32, 11, 10, Side));
        Assert.Equal(9.0 / 11.0, iou, 12);
    }

    [Fact]
    public void Iou_DisjointSquares_Zero() =>
        Assert.Equal(0.0, MaskMetrics.Iou(Square(40, 40, 2, 2, 5), Square(40, 40, 30, 30, 5)));

    [Fact]
    public void Iou_BothEmpty_OneAsDavis() =>
        Assert.Equal(1.0, MaskMetrics.Iou(new Mask(8, 8), new Mask(8, 8)));

    [Fact]
    public void Iou_RleAndBytes_Agree()
    {
        var g = Square(32, 24, 3, 4, 7);
        var p = Rectangle(32, 24, 5, 2, 9, 6);
        var fromRle = MaskMetrics.Evaluate(RleMask.Encode(g.Data, 24, 32), RleMask.Encode(p.Data, 24, 32));
        Assert.Equal(MaskMetrics.Evaluate(g, p), fromRle);
        // Overlap x 5..9, y 4..7 = 5 x 4 = 20; union 49 + 54 - 20 = 83.
        Assert.Equal(20.0 / 83.0, fromRle.Iou, 12);
    }

    [Fact]
    public void Evaluate_IdenticalSquares_EveryMetricOne()
    {
        var a = Square(32, 32, 10, 10, Side);
        var m = MaskMetrics.Evaluate(a, a, new MetricSettings { Tolerance = BoundaryTolerance.Pixels(0), Band = BoundaryBand.Pixels(2) });
        Assert.Equal(new InstanceMetrics(1, 1, 1, 1, 1), m);
    }

    [Fact]
    public void Boundary_ShiftedRightByOnePixelTolerance0_Half()
    {
        // Ground-truth ring: square [9, 19]^2. Shifted ring: [10, 20] x [9, 19]. They share the top row y = 9 and the
        // bottom row y = 19 for x in 10..19 (2 x 10 = 20 pixels); the left/right columns (x = 9, 19 vs 10, 20) share
        // nothing in rows 10..18. So P = R = 20 / 40 = 1/2 and F = 1/2.
        var score = MaskMetrics.Boundary(Square(32, 32, 10, 10, Side), Square(32, 32, 11, 10, Side), BoundaryTolerance.Pixels(0));
        Assert.Equal(new BoundaryScore(0.5, 0.5, 0.5), score);
    }

    [Fact]
    public void Boundary_ShiftedRightByOnePixelTolerance1_One()
    {
        // Every predicted outline pixel has its ground-truth twin one pixel to its left, and the reverse.
        var score = MaskMetrics.Boundary(Square(32, 32, 10, 10, Side), Square(32, 32, 11, 10, Side), BoundaryTolerance.Pixels(1));
        Assert.Equal(new BoundaryScore(1, 1, 1), score);
    }

    [Fact]
    public void Boundary_ShiftedDiagonallyTolerance1_AllButOneCornerMatch()
    {
        // Rings of [9, 19]^2 (truth) and [10, 20]^2 (prediction), a diagonal step apart (sqrt 2 > 1). Every predicted
        // pixel has a truth pixel straight up, left, or beside it except the far corner (20, 20), whose neighbours
        // (19, 20), (20, 19) are off the truth ring; likewise only the truth corner (9, 9) is unmatched.
        // P = R = F = 39/40.
        var g = Square(32, 32, 10, 10, Side);
        var p = Square(32, 32, 11, 11, Side);
        var score = MaskMetrics.Boundary(g, p, BoundaryTolerance.Pixels(1));
        Assert.Equal(39.0 / 40.0, score.Precision, 12);
        Assert.Equal(39.0 / 40.0, score.Recall, 12);
        Assert.Equal(39.0 / 40.0, score.F, 12);

        // Radius 2 reaches the diagonal neighbour: everything matches.
        Assert.Equal(new BoundaryScore(1, 1, 1), MaskMetrics.Boundary(g, p, BoundaryTolerance.Pixels(2)));
    }

    [Fact]
    public void Boundary_DisjointSquares_Zero()
    {
        var m = MaskMetrics.Evaluate(Square(40, 40, 2, 2, 5), Square(40, 40, 30, 30, 5),
            new MetricSettings { Tolerance = BoundaryTolerance.Pixels(2), Band = BoundaryBand.Pixels(1) });
        Assert.Equal(new InstanceMetrics(0, 0, 0, 0, 0), m);
    }

    [Fact]
    public void Boundary_BothEmpty_PerfectAsDavis()
    {
        var m = MaskMetrics.Evaluate(new Mask(16, 16), new Mask(16, 16));
        Assert.Equal(new InstanceMetrics(1, 1, 1, 1, 1), m);
    }

    [Fact]
    public void Boundary_EmptyPrediction_PrecisionOneRecallZero()
    {
        var score = MaskMetrics.Boundary(Square(16, 16, 4, 4, 5), new Mask(16, 16), BoundaryTolerance.Default);
        Assert.Equal(new BoundaryScore(1, 0, 0), score);
    }

    [Fact]
    public void Boundary_EmptyGroundTruth_PrecisionZeroRecallOne()
    {
        var score = MaskMetrics.Boundary(new Mask(16, 16), Square(16, 16, 4, 4, 5), BoundaryTolerance.Default);
        Assert.Equal(new BoundaryScore(0, 1, 0), score);
    }

    [Fact]
    public void BoundaryTolerance_DiagonalFraction_CeilOfFractionTimesDiagonal()
    {
        // 0.008 x sqrt(100^2 + 100^2) = 1.131 -> 2 (DAVIS: ceil(bound_th * norm(shape))).
        Assert.Equal(2, BoundaryTolerance.Default.RadiusFor(100, 100));
        Assert.Equal(3, BoundaryTolerance.Pixels(3).RadiusFor(100, 100));
    }

    [Fact]
    public void BoundaryIou_SquareVsConcentricHalfSquareBand6_NineHundredths()
    {
        // Truth: 20 x 20 at [10, 29]^2; prediction: 10 x 10 at [15, 24]^2; d = 6 (chessboard).
        // Truth band: all but the core [16, 23]^2 (64 pixels more than 6 from the background): 400 - 64 = 336.
        // Prediction band: every pixel is within 5 of its background: 100.
        // Intersection: prediction pixels outside the truth core: 100 - 64 = 36. Union: 336 + 100 - 36 = 400.
        var biou = MaskMetrics.BoundaryIou(Square(40, 40, 10, 10, 20), Square(40, 40, 15, 15, 10), BoundaryBand.Pixels(6));
        Assert.Equal(36.0 / 400.0, biou, 12);
    }

    [Fact]
    public void BoundaryIou_SquareVsConcentricHalfSquareBand1_Zero()
    {
        // With d = 1 the bands are the outer rings [10, 29] and [15, 24]: disjoint, though the masks overlap (IoU 1/4).
        var g = Square(40, 40, 10, 10, 20);
        var p = Square(40, 40, 15, 15, 10);
        Assert.Equal(0.0, MaskMetrics.BoundaryIou(g, p, BoundaryBand.Pixels(1)));
        Assert.Equal(0.25, MaskMetrics.Iou(g, p));
    }

    [Fact]
    public void BoundaryIou_MaskTouchingImageEdge_EdgeCountsAsBoundary()
    {
        // A full 10 x 10 image against its left 5 columns, d = 1: the image edge closes both outlines.
        // Truth band: the outer ring, 100 - 64 = 36. Prediction band: the 5 x 10 block minus its core
        // [1, 3] x [1, 8] (24): 26. Shared: column 0 (10), rows 0 and 9 for x 1..4 (8): 18. Union 36 + 26 - 18 = 44.
        var full = Rectangle(10, 10, 0, 0, 10, 10);
        var left = Rectangle(10, 10, 0, 0, 5, 10);
        Assert.Equal(18.0 / 44.0, MaskMetrics.BoundaryIou(full, left, BoundaryBand.Pixels(1)), 12);
    }

    [Fact]
    public void BoundaryBand_DiagonalFraction_RoundHalfToEvenAtLeastOne()
    {
        Assert.Equal(10, BoundaryBand.Default.WidthFor(400, 300)); // 0.02 x 500 = 10
        Assert.Equal(1, BoundaryBand.Default.WidthFor(10, 10));    // 0.28 rounds to 0, raised to 1
        Assert.Equal(2, BoundaryBand.DiagonalFraction(0.5).WidthFor(3, 4)); // 2.5 rounds half to even: 2
    }

    [Fact]
    public void SquaredEuclidean_RandomGrids_MatchesBruteForce()
    {
        var random = new Random(20240611);
        for (var trial = 0; trial < 30; trial++)
        {
            int w = random.Next(1, 17), h = random.Next(1, 13);
            var features = new byte[w * h];
            for (var i = 0; i < features.Length; i++)
                features[i] = random.NextDouble() < 0.1 ? (byte)1 : (byte)0;
            var fast = DistanceTransform.SquaredEuclidean(features, w, h);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var best = DistanceTransform.Infinity;
                    for (var i = 0; i < features.Length; i++)
                    {
                        if (features[i] != 0)
                            best = Math.Min(best, Math.Pow(x - (i % w), 2) + Math.Pow(y - (i / w), 2));
                    }
                    Assert.Equal(best, fast[(y * w) + x]);
                }
            }
        }
    }

    [Fact]
    public void ChessboardToBackground_RandomGrids_MatchesBruteForce()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 30; trial++)
        {
            int w = random.Next(1, 15), h = random.Next(1, 15);
            var mask = new byte[w * h];
            for (var i = 0; i < mask.Length; i++)
                mask[i] = random.NextDouble() < 0.8 ? (byte)1 : (byte)0;
            var fast = DistanceTransform.ChessboardToBackground(mask, w, h);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    if (mask[(y * w) + x] == 0)
                    {
                        Assert.Equal(0, fast[(y * w) + x]);
                        continue;
                    }
                    // Nearest background pixel or pixel beyond the edge (the padding ring at -1 and w / h).
                    var best = Math.Min(Math.Min(x + 1, w - x), Math.Min(y + 1, h - y));
                    for (var i = 0; i < mask.Length; i++)
                    {
                        if (mask[i] == 0)
                            best = Math.Min(best, Math.Max(Math.Abs(x - (i % w)), Math.Abs(y - (i / w))));
                    }
                    Assert.Equal(best, fast[(y * w) + x]);
                }
            }
        }
    }
}
