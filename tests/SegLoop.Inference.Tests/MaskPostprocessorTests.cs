using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>
/// Which components survive postprocessing and where they are cut, on a hand-drawn 40 x 30 probability map (window = image, so crop and
/// image coordinates agree): blob A (10 x 10 at 2, 2, with a 2 x 2 hole), blob B (14 x 14 at 20, 10), a speck C
/// (2 x 2 at 36, 2) touching nothing.
/// </summary>
public sealed class MaskPostprocessorTests
{
    private const int Width = 40, Height = 30;
    private static readonly Rect BlobA = new(2, 2, 10, 10);
    private static readonly Rect HoleInA = new(6, 6, 2, 2);
    private static readonly Rect BlobB = new(20, 10, 14, 14);
    private static readonly Rect SpeckC = new(36, 2, 2, 2);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.1)]  // not a float: 0.1f is above it, so the comparison must not round the threshold down
    [InlineData(0.7)]  // not a float: 0.7f is below it
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Threshold_VectorisedRows_AgreeWithTheDoubleComparisonEverywhere(double threshold)
    {
        var random = new Random(5);
        var near = (float)threshold;
        // Values right at and beside the threshold, NaN, and random ones; odd lengths leave a scalar tail.
        float[] special = [near, MathF.BitDecrement(near), MathF.BitIncrement(near), float.NaN, 0f, 1f];
        foreach (var length in new[] { 0, 1, 7, 31, 32, 33, 100, 257 })
        {
            var values = Enumerable.Range(0, length)
                .Select(i => i % 3 == 0 ? special[random.Next(special.Length)] : random.NextSingle())
                .ToArray();
            var target = new byte[length];

            MaskPostprocessor.Threshold(values, target, MaskPostprocessor.SmallestFloatAtLeast(threshold));

            Assert.Equal(values.Select(v => v >= threshold ? (byte)1 : (byte)0), target);
        }
    }

    private static readonly Rect AroundA = new(1, 1, 12, 12);

    [Fact]
    public void BoxAroundABlob_KeepsThatBlobWithItsHoleFilled()
    {
        var mask = Finish(AroundA, []);

        Assert.Equal(100, mask.Area); // A, hole filled, nothing of B or C
        Assert.True(mask[6, 6]);
        Assert.False(mask[25, 15]);
        Assert.False(mask[36, 2]);
    }

    [Fact]
    public void BoxAroundTwoBlobs_KeepsBoth()
    {
        // One object in two parts (a person behind a pole): the centre (17, 13) lies between them.
        var mask = Finish(new Rect(1, 1, 34, 24), []);

        Assert.Equal(100 + 196, mask.Area);
        Assert.True(mask[3, 3]);
        Assert.True(mask[25, 15]);
        Assert.False(mask[36, 2]);
    }

    [Fact]
    public void FleckInsideTheBox_Dropped()
    {
        // C (4 pixels) is under 5 % of B (196) and is no part of the object.
        var mask = Finish(new Rect(19, 1, 20, 24), []);

        Assert.Equal(196, mask.Area);
        Assert.False(mask[36, 2]);
    }

    [Fact]
    public void ForegroundSpillingPastTheBox_CutAtTheBoxGrownByAPixel()
    {
        // The box holds 7 of B's 14 columns; grown by a pixel, 8 (x 20..27): more than half of B, so B is the object,
        // and what the model spilled past the box is not.
        var mask = Finish(new Rect(20, 10, 7, 14), []);

        Assert.Equal(8 * 14, mask.Area);
        Assert.True(mask[27, 15]);
        Assert.False(mask[28, 15]);
    }

    [Fact]
    public void NoComponentMostlyInside_TheOneUnderTheCentreCutAtTheBox()
    {
        // The box (grown: 0..8) holds 49 of A's 100 pixels; the centre (4, 4) is on A.
        var mask = Finish(new Rect(0, 0, 8, 8), []);

        Assert.Equal(7 * 7, mask.Area);
        Assert.True(mask[8, 8]);
        Assert.False(mask[9, 9]);
    }

    [Fact]
    public void NegativeClickOnTheBoxsOnlyBlob_NothingIsKept()
    {
        var mask = Finish(AroundA, [new Click(3.5, 3.5, Positive: false)]);

        Assert.Equal(0, mask.Area); // B and C lie outside the box: nothing there is the object
    }

    [Fact]
    public void NegativeClickInAHole_TheHoleStaysOpen()
    {
        // Fill-holes used to undo the annotator's click: the hole is background because they said so.
        var mask = Finish(AroundA, [new Click(6.5, 6.5, Positive: false)]);

        Assert.Equal(96, mask.Area); // A without its 2 x 2 hole
        Assert.False(mask[6, 6]);
        Assert.False(mask[7, 7]);
        Assert.True(mask[3, 3]);
    }

    [Fact]
    public void PositiveClickOnABlobOutsideTheBox_KeptWholeBesideTheBoxsBlob()
    {
        var mask = Finish(AroundA, [new Click(36.5, 2.5, Positive: true)]);

        Assert.Equal(104, mask.Area); // A (filled) and C
        Assert.True(mask[37, 3]);
        Assert.False(mask[25, 15]);
    }

    [Theory]
    [InlineData(false, true, 100)] // negative, then positive: kept
    [InlineData(true, false, 0)]   // positive, then negative: dropped
    public void TwoClicksOnOneBlob_TheLatestDecides(bool first, bool second, int area)
    {
        var mask = Finish(AroundA, [new Click(3.5, 3.5, first), new Click(4.5, 4.5, second)]);

        Assert.Equal(area, mask.Area);
    }

    [Fact]
    public void NothingInTheBoxReachesTheThreshold_HalfTheBoxsPeakCounts()
    {
        var values = new float[Width * Height];
        values.AsSpan().Fill(0.05f);
        Fill(values, BlobB, 0.3f);
        var prompt = new PreparedPrompt(0, new Rect(18, 8, 18, 18), new Rect(0, 0, Width, Height), [], []);

        var result = MaskPostprocessor.Finish(prompt, new CropProbabilities(values, Width, Height), 0.5, Width, Height);

        Assert.Equal(196, result.ToImageMask().Area); // threshold 0.15: B, not the 0.05 around it
    }

    [Fact]
    public void ModelSeesNothingInTheBox_StaysEmpty()
    {
        var values = new float[Width * Height];
        values.AsSpan().Fill(MaskPostprocessor.MinPeak / 2);
        var prompt = new PreparedPrompt(0, BlobB, new Rect(0, 0, Width, Height), [], []);

        var result = MaskPostprocessor.Finish(prompt, new CropProbabilities(values, Width, Height), 0.5, Width, Height);

        Assert.Equal(0, result.ToImageMask().Area);
    }

    [Fact]
    public void Score_NaNOutsideTheMask_IsTheMeanInsideIt()
    {
        // A broken model's NaN where nothing is kept must not reach the score (nor, as NaN, the JSON).
        var values = new float[Width * Height];
        values.AsSpan().Fill(float.NaN);
        Fill(values, BlobB, 0.9f);
        Fill(values, new Rect(BlobB.X, BlobB.Y, 7, 14), 0.7f);
        var window = new Rect(0, 0, Width, Height);
        var prompt = new PreparedPrompt(0, BlobB, window, [], []);

        var result = MaskPostprocessor.Finish(prompt, new CropProbabilities(values, Width, Height), 0.5, Width, Height);

        Assert.Equal(196, result.ToImageMask().Area);
        Assert.Equal(0.8, result.Score, precision: 6);
    }

    private static Mask Finish(Rect box, IReadOnlyList<Click> clicks)
    {
        var values = new float[Width * Height];
        foreach (var blob in new[] { BlobA, BlobB, SpeckC })
            Fill(values, blob, 0.9f);
        Fill(values, HoleInA, 0.1f);
        var window = new Rect(0, 0, Width, Height);
        var prompt = new PreparedPrompt(0, box, window, clicks, []);
        return MaskPostprocessor.Finish(prompt, new CropProbabilities(values, Width, Height), 0.5, Width, Height).ToImageMask();
    }

    private static void Fill(float[] values, Rect r, float value)
    {
        for (var y = r.Y; y < r.Bottom; y++)
            values.AsSpan((y * Width) + r.X, r.Width).Fill(value);
    }
}
