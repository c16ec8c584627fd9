using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.ModelRuntime;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>The ONNX backend with the project's SaliencyNet, whose output is a known function of its input.</summary>
public sealed class OnnxBackendTests : IDisposable
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];
    private readonly SaliencyNet _net = OnnxTestModels.SaliencyNet();
    private readonly OnnxModel _model;

    public OnnxBackendTests() => _model = OnnxModel.FromBytes(_net.Onnx, name: "saliency");

    public void Dispose() => _model.Dispose();

    [Fact]
    public void Stage_IsNetTinyImage_IsRgbMinus128Over256()
    {
        // 4 x 4 BGR image; (1, 2) is B=30 G=60 R=120, (3, 3) is R=255, the rest 0. The window is the whole image, so the
        // resize to the 4 x 4 input is the identity and every value is (p - 128) / 256 in R, G, B planes.
        var pixels = new byte[4 * 4 * 3];
        pixels[((2 * 4) + 1) * 3] = 30;
        pixels[(((2 * 4) + 1) * 3) + 1] = 60;
        pixels[(((2 * 4) + 1) * 3) + 2] = 120;
        pixels[(((3 * 4) + 3) * 3) + 2] = 255;
        using var image = Image.FromPixels(4, 4, 3, pixels);
        var backend = new OnnxBackend(_model, new OnnxPreprocessing { Mode = PreprocessingMode.IsNet, InputSize = 4, Mean = 128, Std = 256 }, "isnet", "v1");
        var prompt = PromptGeometry.Prepare(new Prompt { Box = new BoundingBox(1, 1, 2, 2) }, 0, 4, 4, padding: 0.5);

        using var input = backend.Prepare(image, prompt);
        using var staged = backend.Stage([input]);

        var t = staged.Tensor.ToArray();
        float At(int channel, int x, int y) => t[(channel * 16) + (y * 4) + x];
        Assert.Equal((120 - 128) / 256f, At(0, 1, 2), 6);
        Assert.Equal((60 - 128) / 256f, At(1, 1, 2), 6);
        Assert.Equal((30 - 128) / 256f, At(2, 1, 2), 6);
        Assert.Equal((255 - 128) / 256f, At(0, 3, 3), 6);
        Assert.Equal(-0.5f, At(2, 3, 3), 6);
        Assert.Equal(-0.5f, At(1, 0, 0), 6);
    }

    [Fact]
    public void PrepareAndRun_IsNetWindowPastTheImage_SeesOnlyTheImageAndOutsideIsBackground()
    {
        // A 2 x 2 box in the top-left corner of a 12 x 10 grey image: the centred window reaches past the top and left
        // edges. IS-Net gets only the part inside the image (no black border); the window's outside part is 0.
        var pixels = Enumerable.Repeat((byte)200, 12 * 10 * 3).ToArray();
        using var image = Image.FromPixels(12, 10, 3, pixels);
        var backend = new OnnxBackend(_model, new OnnxPreprocessing { Mode = PreprocessingMode.IsNet, InputSize = 8, Mean = 128, Std = 256 }, "isnet", "v1");
        var prompt = PromptGeometry.Prepare(new Prompt { Box = new BoundingBox(0, 0, 2, 2) }, 0, 12, 10, padding: 1.0);
        Assert.True(prompt.Window.X < 0 && prompt.Window.Y < 0);

        using var input = backend.Prepare(image, prompt);
        var inside = Assert.NotNull(input.InsideWindow);
        var probabilities = Assert.Single(backend.Run([input], CancellationToken.None));

        Assert.Equal((-prompt.Window.X, -prompt.Window.Y), (inside.X, inside.Y));
        Assert.Equal((inside.Width, inside.Height), (input.Crop.Width, input.Crop.Height));
        Assert.Equal((prompt.Window.Width, prompt.Window.Height), (probabilities.Width, probabilities.Height));
        for (var y = 0; y < probabilities.Height; y++)
        {
            for (var x = 0; x < probabilities.Width; x++)
            {
                var outside = x < inside.X || y < inside.Y || x >= inside.Right || y >= inside.Bottom;
                if (outside)
                    Assert.Equal(0f, probabilities.Values[(y * probabilities.Width) + x]);
            }
        }
        Assert.Contains(probabilities.Values, v => v != 0f); // the net's answer inside is kept as it is
    }

    [Fact]
    public void Constructor_IsNetWithoutStd_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new OnnxBackend(_model, new OnnxPreprocessing { Mode = PreprocessingMode.IsNet, InputSize = 1024 }, "isnet", "v1"));
        Assert.Contains("non-zero Std", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probabilities_NotRescaled_KeepsTheModelsValues()
    {
        // IS-Net's output is a probability already: 0.2 .. 0.6 stays 0.2 .. 0.6 (rembg's min-max would make it 0 .. 1).
        float[] plane = [0.2f, 0.4f, 0.6f, 0.4f];
        var kept = OnnxBackend.Probabilities(plane, 2, 2, 2, 2, 2, rescale: false);
        var rescaled = OnnxBackend.Probabilities(plane, 2, 2, 2, 2, 2);

        Assert.Equal([0.2f, 0.4f, 0.6f, 0.4f], kept);
        Assert.Equal(0f, rescaled[0], 6);
        Assert.Equal(1f, rescaled[2], 6);
    }

    [Fact]
    public void Prepare_RembgTinyImage_MatchesHandComputation()
    {
        // 4 x 4 black BGR image; (1, 2) is B=30 G=60 R=120 and (3, 3) is R=240, the image's maximum.
        var pixels = new byte[4 * 4 * 3];
        pixels[((2 * 4) + 1) * 3] = 30;
        pixels[(((2 * 4) + 1) * 3) + 1] = 60;
        pixels[(((2 * 4) + 1) * 3) + 2] = 120;
        pixels[(((3 * 4) + 3) * 3) + 2] = 240;
        using var image = Image.FromPixels(4, 4, 3, pixels);
        var backend = new OnnxBackend(_model, new OnnxPreprocessing { Mode = PreprocessingMode.Rembg, InputSize = 4 }, "saliency", "v1");
        // Box 2 x 2 at (1, 1) with 50 % padding: the window is the whole 4 x 4 image, so the resize is the identity.
        var prompt = PromptGeometry.Prepare(new Prompt { Box = new BoundingBox(1, 1, 2, 2) }, 0, 4, 4, padding: 0.5);
        Assert.Equal(new Rect(0, 0, 4, 4), prompt.Window);

        using var input = backend.Prepare(image, prompt);
        using var staged = backend.Stage([input]);

        var t = staged.Tensor.ToArray();
        float At(int channel, int x, int y) => t[(channel * 16) + (y * 4) + x];
        Assert.Equal((4, 4), ((int, int))input.GroupKey);
        // RGB order, divided by 240, then ImageNet mean/std.
        Assert.Equal((0.5f - 0.485f) / 0.229f, At(0, 1, 2), 5);   // R 120/240
        Assert.Equal((0.25f - 0.456f) / 0.224f, At(1, 1, 2), 5);  // G 60/240
        Assert.Equal((0.125f - 0.406f) / 0.225f, At(2, 1, 2), 5); // B 30/240
        Assert.Equal(0.065502f, At(0, 1, 2), 5);
        Assert.Equal(-0.919643f, At(1, 1, 2), 5);
        Assert.Equal(-1.248889f, At(2, 1, 2), 5);
        Assert.Equal(2.248908f, At(0, 3, 3), 5);                  // R 240/240
        Assert.Equal(-2.117904f, At(0, 0, 0), 5);                 // black
        Assert.Equal(-0.406f / 0.225f, At(2, 3, 3), 5);
    }

    [Fact]
    public void Prepare_Fcn_PaddedToMultipleOf32()
    {
        using var image = Image.FromPixels(50, 40, 3, new byte[50 * 40 * 3]);
        var backend = new OnnxBackend(_model, new OnnxPreprocessing { Mode = PreprocessingMode.Fcn }, "saliency", "v1");
        var prompt = PromptGeometry.Prepare(new Prompt { Box = new BoundingBox(10, 10, 30, 20) }, 0, 50, 40, padding: 0.15);
        // Tensors are pooled: leave a dirty array of the size this one needs in the pool, as an earlier crop would.
        var dirty = System.Buffers.ArrayPool<float>.Shared.Rent(3 * 32 * 64);
        dirty.AsSpan().Fill(float.NaN);
        System.Buffers.ArrayPool<float>.Shared.Return(dirty);

        using var input = backend.Prepare(image, prompt);
        using var staged = backend.Stage([input]);

        // CropBuilder's rule: centre pixel (25, 20); 5 px padding left/right, 3 px top/bottom; 20 px before the centre
        // and 19 after on x gives the even width 40, 13 before and 12 after on y the even height 26.
        Assert.Equal(new Rect(5, 7, 40, 26), prompt.Window);
        Assert.Equal((32, 64), ((int, int))input.GroupKey); // (height, width): 26 -> 32, 39 -> 64
        Assert.Equal(3 * 32 * 64, staged.Tensor.Length);
        Assert.Equal(0f, staged.Tensor.Span[^1]); // padding
    }

    /// <summary>The colour (0 or 255 grey) the model finds salient against the other: its d0 is higher on it.</summary>
    private (byte Foreground, byte Background) SalientColours()
    {
        float Response(float value01)
        {
            var input = new float[3 * 3 * 3];
            for (var c = 0; c < 3; c++)
                input.AsSpan(c * 9, 9).Fill((value01 - Mean[c]) / Std[c]);
            return _net.ExpectedOutput(input, 1, 3, 3)[4];
        }
        return Response(1) > Response(0) ? ((byte)255, (byte)0) : ((byte)0, (byte)255);
    }

    [Theory]
    [InlineData(PreprocessingMode.Fcn, 1)]
    [InlineData(PreprocessingMode.Rembg, 2)]
    public async Task SegmentAsync_SalientSquare_MaskIsTheSquareWithinTolerance(PreprocessingMode mode, int tolerance)
    {
        var (foreground, background) = SalientColours();
        var square = new Rect(34, 30, 30, 34);
        using var image = TestImages.Squares(96, 96, background, foreground, square);
        var segmenter = Segmenters.Onnx(_model, new OnnxPreprocessing { Mode = mode }, "saliency", "v1");

        var result = Assert.Single(await segmenter.SegmentAsync(image, [new Prompt { Box = new BoundingBox(34, 30, 30, 34) }], 0.5));

        // A 3 x 3 convolution blurs the edge: the mask must hold the square shrunk by the tolerance and stay inside
        // it grown by the tolerance.
        AssertWithin(result.Mask, [square], tolerance);
        Assert.InRange(result.Score, 0.5, 1.0);
    }

    [Fact]
    public async Task SegmentAsync_BoxAndClicks_BoxKeepsWhatItHoldsNegativeRemovesTheLatestClickDecides()
    {
        var (foreground, background) = SalientColours();
        var big = new Rect(8, 8, 24, 24);
        var small = new Rect(44, 14, 12, 12);
        using var image = TestImages.Squares(64, 40, background, foreground, big, small);
        var segmenter = Segmenters.Onnx(_model, new OnnxPreprocessing { Mode = PreprocessingMode.Fcn }, "saliency", "v1");
        // The wide box holds both squares (its centre, 32, 20, is background); the narrow one only the big square.
        var wide = new BoundingBox(4, 4, 56, 32);
        var narrow = new BoundingBox(6, 6, 28, 28);
        var bigMask = TestImages.RectMask(64, 40, big);
        var smallMask = TestImages.RectMask(64, 40, small);

        var results = await segmenter.SegmentAsync(image,
        [
            new Prompt { Box = wide },
            new Prompt { Box = narrow },
            new Prompt { Box = wide, Clicks = [new Click(20, 20, Positive: false)] },
            new Prompt { Box = wide, Clicks = [new Click(20, 20, Positive: false), new Click(21, 21, Positive: true)] },
        ], 0.5);

        string Describe(int i) => $"result {i}: area {results[i].Mask.Area}, IoU big {results[i].Mask.IntersectionOverUnion(bigMask):F3}, small {results[i].Mask.IntersectionOverUnion(smallMask):F3}, colours {foreground}/{background}";
        AssertWithin(results[0].Mask, [big, small], 1, Describe(0)); // the box holds two parts: both kept
        AssertWithin(results[1].Mask, [big], 1, Describe(1));        // the small square lies outside the box
        AssertWithin(results[2].Mask, [small], 1, Describe(2));      // a negative click removes the big square
        AssertWithin(results[3].Mask, [big, small], 1, Describe(3)); // a positive click after the negative one takes it back
    }

    /// <summary>The mask holds every rectangle shrunk by <paramref name="tolerance"/> px and stays inside them grown by it.</summary>
    private static void AssertWithin(Mask actual, Rect[] expected, int tolerance, string? because = null)
    {
        var core = TestImages.RectMask(actual.Width, actual.Height,
            expected.Select(r => new Rect(r.X + tolerance, r.Y + tolerance, r.Width - (2 * tolerance), r.Height - (2 * tolerance))).ToArray());
        var hull = TestImages.RectMask(actual.Width, actual.Height,
            expected.Select(r => new Rect(r.X - tolerance, r.Y - tolerance, r.Width + (2 * tolerance), r.Height + (2 * tolerance))).ToArray());
        for (var y = 0; y < actual.Height; y++)
        {
            for (var x = 0; x < actual.Width; x++)
            {
                Assert.False(core[x, y] && !actual[x, y], $"({x}, {y}) is inside the object but not in the mask. {because}");
                Assert.False(actual[x, y] && !hull[x, y], $"({x}, {y}) is in the mask but more than {tolerance} px from the object. {because}");
            }
        }
    }

    [Fact]
    public async Task FilledBox_NegativeThenPositiveClicks_StaysTheBox()
    {
        // The baseline ignores clicks everywhere: a negative click inside the box used to remove the box's one component
        // in postprocessing (evaluate's click steps went box, empty, box, empty).
        using var image = TestImages.Squares(64, 64, 0, 255, new Rect(20, 20, 12, 12));
        var segmenter = Segmenters.FilledBox();
        var box = new BoundingBox(16, 16, 24, 20);
        Prompt[] prompts =
        [
            new() { Box = box },
            new() { Box = box, Clicks = [new Click(18, 18, false)] },
            new() { Box = box, Clicks = [new Click(18, 18, false), new Click(25, 25, true)] },
        ];

        var masks = await segmenter.SegmentAsync(image, prompts, 0.5);

        foreach (var mask in masks.Select(m => m.Mask))
        {
            Assert.Equal(24 * 20, mask.Area);
            Assert.True(mask[16, 16] && mask[39, 35] && !mask[40, 35] && !mask[39, 36]);
        }
    }

    [Fact]
    public async Task SegmentAsync_BadPrompt_ThrowsBadPromptException()
    {
        using var image = TestImages.Squares(32, 32, 0, 255, new Rect(8, 8, 8, 8));
        var segmenter = Segmenters.GrabCut();

        var e = await Assert.ThrowsAsync<BadPromptException>(() => segmenter.SegmentAsync(image,
            [new Prompt { Box = new BoundingBox(8, 8, 8, 8) }, new Prompt { Box = new BoundingBox(40, 40, 5, 5) }], 0.5));
        Assert.Equal(1, e.PromptIndex);
    }
}
