using SegLoop.Vision;

namespace SegLoop.ActiveLearning.Tests;

public sealed class UncertaintyMeasuresTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public void Compute_PassesThatDisagreeCompletely_VarianceQuarterAndEntropyOneBit()
    {
        var map = UncertaintyMeasures.Compute(2, 1, [[0f, 1f], [1f, 1f]]);

        Assert.Equal(0.25, map.Variance[0], Tolerance);   // mean 0.5: (0.25 + 0.25) / 2
        Assert.Equal(1.0, map.Entropy[0], Tolerance);     // H(0.5) = 1 bit
        Assert.Equal(0.0, map.Variance[1], Tolerance);    // both say 1
        Assert.Equal(0.0, map.Entropy[1], Tolerance);
        Assert.Equal(0.125, map.MeanVariance, Tolerance);
        Assert.Equal(0.5, map.MeanEntropy, Tolerance);
    }

    [Fact]
    public void Compute_ThreePasses_HandComputedVarianceAndEntropy()
    {
        // Pixel 0: 0.2, 0.4, 0.9 -> mean 0.5, variance ((-0.3)^2 + (-0.1)^2 + 0.4^2) / 3 = 0.26 / 3, entropy 1.
        // Pixel 1: 0.1, 0.1, 0.1 -> variance 0, entropy H(0.1) = 0.468996.
        var map = UncertaintyMeasures.Compute(1, 2, [[0.2f, 0.1f], [0.4f, 0.1f], [0.9f, 0.1f]]);

        Assert.Equal(0.26 / 3, map.Variance[0], 1e-6);
        Assert.Equal(1.0, map.Entropy[0], 1e-6);
        Assert.Equal(0.0, map.Variance[1], 1e-6);
        Assert.Equal(0.468996, map.Entropy[1], 1e-5);
        Assert.Equal(0.26 / 6, map.Score, 1e-6);
    }

    [Fact]
    public void Compute_PixelOnePassDidNotSee_CountsOnlyThePassesThatSawIt()
    {
        var map = UncertaintyMeasures.Compute(1, 1, [[float.NaN], [0.2f], [0.2f]]);

        Assert.Equal(0.0, map.Variance[0], Tolerance);
        Assert.Equal(UncertaintyMeasures.BinaryEntropy(0.2), map.Entropy[0], 1e-6);
    }

    [Fact]
    public void Compute_PixelNoPassSaw_CountsZero()
    {
        var map = UncertaintyMeasures.Compute(1, 1, [[float.NaN], [float.NaN]]);

        Assert.Equal(0f, map.Variance[0]);
        Assert.Equal(0f, map.Entropy[0]);
    }

    [Fact]
    public void Score_OnePass_IsTheEntropyBecauseOneMapHasNoSpread()
    {
        var map = UncertaintyMeasures.Compute(2, 1, [[0.5f, 1f]]);

        Assert.Equal(0.0, map.MeanVariance, Tolerance);
        Assert.Equal(0.5, map.Score, Tolerance);
        Assert.Same(map.Entropy, map.Primary);
    }

    [Fact]
    public void Compute_MapOfTheWrongSize_Throws() =>
        Assert.Throws<ArgumentException>(() => UncertaintyMeasures.Compute(2, 2, [new float[4], new float[3]]));

    private static readonly Rect Box = new(4, 5, 10, 8);

    /// <summary>A 20 x 30 mask set on the rectangles given.</summary>
    private static Mask Rectangles(params Rect[] rectangles)
    {
        var pixels = new byte[20 * 30];
        foreach (var r in rectangles)
        {
            for (var y = r.Y; y < r.Bottom; y++)
                pixels.AsSpan((y * 20) + r.X, r.Width).Fill(1);
        }
        return Mask.FromBytes(20, 30, pixels);
    }

    [Fact]
    public void BoxFit_PlusShapeReachingEverySideOfTheBox_Zero()
    {
        // A thin cross, far from filling the box, but touching all four of its sides: what a tight box around it looks like.
        var mask = Rectangles(new Rect(4, 9, 10, 1), new Rect(8, 5, 1, 8));

        Assert.Equal(0.0, UncertaintyMeasures.BoxFit(mask, Box), Tolerance);
    }

    [Theory]
    [InlineData(4, 5, 5, 8, 0.5)]     // the left half of the box: 40 / 80
    [InlineData(7, 7, 2, 2, 0.95)]    // a small blob in the middle: 4 / 80
    [InlineData(4, 5, 10, 16, 0.5)]   // the box's width, twice its height (spills below): 80 / 160
    [InlineData(0, 0, 20, 30, 1 - (80.0 / 600))] // everything: 80 / 600
    [InlineData(15, 15, 3, 3, 1.0)]   // only outside the box
    public void BoxFit_RectangularMask_OneMinusIouOfTheTwoBoxes(int x, int y, int width, int height, double expected) =>
        Assert.Equal(expected, UncertaintyMeasures.BoxFit(Rectangles(new Rect(x, y, width, height)), Box), Tolerance);

    [Fact]
    public void BoxFit_TwoBlobsInOppositeCorners_TheirJointExtentCounts()
    {
        // The bounding box of all the mask's pixels: two corner blobs span the box, as a two-part object in a tight box does.
        var mask = Rectangles(new Rect(4, 5, 2, 2), new Rect(12, 11, 2, 2));

        Assert.Equal(0.0, UncertaintyMeasures.BoxFit(mask, Box), Tolerance);
    }

    [Fact]
    public void BoxFit_EmptyMask_One() => Assert.Equal(1.0, UncertaintyMeasures.BoxFit(new Mask(20, 30), Box));

    [Fact]
    public void BoxFit_EmptyBox_Throws() => Assert.Throws<ArgumentException>(() => UncertaintyMeasures.BoxFit(new Mask(20, 30), new Rect(3, 3, 0, 5)));

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 0.0)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.25, 0.811278)]
    public void BinaryEntropy_KnownValues(double p, double bits) => Assert.Equal(bits, UncertaintyMeasures.BinaryEntropy(p), 1e-6);
}
