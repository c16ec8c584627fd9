using SegLoop.Vision;

namespace SegLoop.ActiveLearning.Tests;

public sealed class UncertaintyScorerTests
{
    [Fact]
    public async Task ScoreAsync_ModelThatFollowsThePixels_EveryPassMapsBackToTheSameMap()
    {
        // Flips, scales and shifts change the window, not what the model says about a pixel: mapped back correctly,
        // the D maps agree, so the variance is 0 and the entropy that of the pixel's own value.
        using var image = TestPictures.Gradient(40, 30);
        var segmenter = new PixelValueSegmenter();
        var frame = new Rect(5, 4, 20, 15);

        var map = await new UncertaintyScorer(segmenter).ScoreAsync(image, frame, passes: 10, CancellationToken.None);

        Assert.Equal(2, segmenter.Calls); // the unflipped passes in one call, the flipped in another
        Assert.Equal(20 * 15, map.Variance.Length);
        Assert.All(map.Variance, v => Assert.Equal(0, v, 1e-6));
        var blue = image.Pixels[(((4 + 2) * 40) + 5 + 3) * 3] / 255.0;
        Assert.Equal(UncertaintyMeasures.BinaryEntropy(blue), map.Entropy[(2 * 20) + 3], 1e-5);
    }

    [Fact]
    public async Task ScoreAsync_ModelThatFlipsItsMind_HalfThePassesDisagree()
    {
        // D = 2: the plain pass says 0, the mirrored one 1 -> variance 0.25 and entropy 1 at every pixel.
        using var image = TestPictures.Gradient(16, 8);

        var map = await new UncertaintyScorer(new FlipSensitiveSegmenter()).ScoreAsync(image, new Rect(0, 0, 16, 8), passes: 2, CancellationToken.None);

        Assert.Equal(0.25, map.MeanVariance, 1e-6);
        Assert.Equal(1.0, map.MeanEntropy, 1e-6);
    }

    [Fact]
    public void ToFrame_MirroredWindow_ReadsTheMirroredColumn()
    {
        // Window (2, 0, 4 x 1) in a mirror image 8 wide holding 0.1 .. 0.4; frame pixel x = 4 is mirror column 3 -> 0.2,
        // x = 1 is mirror column 6, outside the window -> NaN.
        var window = new Inference.Backends.PromptProbabilities(new Rect(2, 0, 4, 1), [0.1f, 0.2f, 0.3f, 0.4f]);

        var values = UncertaintyScorer.ToFrame(window, new Rect(0, 0, 8, 1), mirroredWidth: 8);

        Assert.Equal(0.2f, values[4]);
        Assert.Equal(0.4f, values[2]);
        Assert.True(float.IsNaN(values[1]));
    }

    [Fact]
    public void Mirror_SwapsColumns()
    {
        using var image = Image.FromPixels(3, 1, 1, new byte[] { 1, 2, 3 });
        using var mirror = UncertaintyScorer.Mirror(image);
        Assert.Equal(new byte[] { 3, 2, 1 }, mirror.Pixels.ToArray());
    }
}
