using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>
/// Clicks refine a model's answer on a drawn 80 x 60 image: a red square (10..29, 10..29) and a blue square
/// (40..59, 20..39) on grey; the "model" says only the red square is foreground.
/// </summary>
public sealed class ClickRefinementTests
{
    private const int Width = 80, Height = 60;

    private static Image Drawn()
    {
        var pixels = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var i = ((y * Width) + x) * 3;
                (pixels[i], pixels[i + 1], pixels[i + 2]) =
                    x is >= 10 and < 30 && y is >= 10 and < 30 ? ((byte)20, (byte)20, (byte)230)
                    : x is >= 40 and < 60 && y is >= 20 and < 40 ? ((byte)230, (byte)30, (byte)20)
                    : ((byte)128, (byte)128, (byte)128);
            }
        }
        return Image.FromPixels(Width, Height, 3, pixels);
    }

    private static CropProbabilities RedOnly()
    {
        var values = new float[Width * Height];
        for (var y = 10; y < 30; y++)
            values.AsSpan((y * Width) + 10, 20).Fill(0.9f);
        return new CropProbabilities(values, Width, Height);
    }

    private static float[] Refine(params Click[] clicks)
    {
        using var image = Drawn();
        var window = new Rect(0, 0, Width, Height);
        var prompt = new PreparedPrompt(0, new Rect(5, 5, 60, 40), window, clicks, []);
        using var input = new CropInput { Prompt = prompt, GroupKey = "test", Crop = image.Crop(window) };
        return ClickRefinement.Refine(input, RedOnly(), 0.5).Values;
    }

    [Fact]
    public void NoClick_TheModelsAnswerIsReturnedAsItIs()
    {
        var values = Refine();

        Assert.Equal(RedOnly().Values, values);
    }

    [Fact]
    public void PositiveClickOnTheMissedSquare_AddsIt_AndKeepsTheModelsSquare()
    {
        var values = Refine(new Click(50, 30, Positive: true));

        Assert.Equal(1f, values[(30 * Width) + 50]);
        Assert.Equal(1f, values[(25 * Width) + 45]);
        Assert.True(values[(20 * Width) + 20] >= 0.5f);
        Assert.True(values[(50 * Width) + 70] < 0.5f); // grey background stays background
    }

    [Fact]
    public void NegativeClickOnTheModelsSquare_RemovesIt()
    {
        var values = Refine(new Click(20, 20, Positive: false));

        Assert.Equal(0f, values[(20 * Width) + 20]);
        Assert.Equal(0f, values[(15 * Width) + 25]);
    }
}
