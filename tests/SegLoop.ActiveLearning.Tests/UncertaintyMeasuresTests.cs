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

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 0.0)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.25, 0.811278)]
    public void BinaryEntropy_KnownValues(double p, double bits) => Assert.Equal(bits, UncertaintyMeasures.BinaryEntropy(p), 1e-6);
}
