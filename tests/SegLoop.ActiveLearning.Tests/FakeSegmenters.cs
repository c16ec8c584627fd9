using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;

namespace SegLoop.ActiveLearning.Tests;

/// <summary>
/// A segmenter whose probability at a pixel is that pixel's blue value / 255 over a window 3 px larger than the box on
/// each side (clipped to nothing: the window may reach outside, where it gives 0): any correct mapping back to the frame
/// gives every pass the same map. Its mask: the pixels inside the box whose probability reaches the threshold.
/// </summary>
internal sealed class PixelValueSegmenter : ISegmenter
{
    public string Model => "pixel-value";

    public string Version => "test";

    public int Calls { get; private set; }

    public Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
        CancellationToken cancellationToken = default)
    {
        var pixels = image.Pixels.ToArray();
        var result = prompts.Select(p =>
        {
            var b = p.Box!;
            var mask = new byte[image.Width * image.Height];
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var inBox = x >= b.X && x < b.X + b.Width && y >= b.Y && y < b.Y + b.Height;
                    mask[(y * image.Width) + x] = inBox && pixels[((y * image.Width) + x) * image.Channels] / 255.0 >= threshold ? (byte)1 : (byte)0;
                }
            }
            return new PromptSegmentation(Mask.FromBytes(image.Width, image.Height, mask), 1);
        }).ToList();
        return Task.FromResult<IReadOnlyList<PromptSegmentation>>(result);
    }

    public Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
        CancellationToken cancellationToken = default)
    {
        Calls++;
        var pixels = image.Pixels.ToArray();
        var result = prompts.Select(p =>
        {
            var b = p.Box!;
            var window = new Rect((int)Math.Floor(b.X) - 3, (int)Math.Floor(b.Y) - 3, (int)Math.Ceiling(b.Width) + 6, (int)Math.Ceiling(b.Height) + 6);
            var values = new float[window.Width * window.Height];
            for (var y = 0; y < window.Height; y++)
            {
                for (var x = 0; x < window.Width; x++)
                {
                    int ix = window.X + x, iy = window.Y + y;
                    if (ix >= 0 && iy >= 0 && ix < image.Width && iy < image.Height)
                        values[(y * window.Width) + x] = pixels[((iy * image.Width) + ix) * image.Channels] / 255f;
                }
            }
            return new PromptProbabilities(window, values);
        }).ToList();
        return Task.FromResult<IReadOnlyList<PromptProbabilities>>(result);
    }
}

/// <summary>Says 0 everywhere on the image as given and 1 everywhere on its mirror image.</summary>
internal sealed class FlipSensitiveSegmenter : ISegmenter
{
    public string Model => "flip-sensitive";

    public string Version => "test";

    public Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
        CancellationToken cancellationToken = default)
    {
        // The test image's left column is white, so the mirror image has a white right column.
        var mirrored = image.Pixels[(image.Width - 1) * image.Channels] == 255;
        var window = new Rect(-50, -50, image.Width + 100, image.Height + 100);
        var values = Enumerable.Repeat(mirrored ? 1f : 0f, window.Width * window.Height).ToArray();
        return Task.FromResult<IReadOnlyList<PromptProbabilities>>(prompts.Select(_ => new PromptProbabilities(window, values)).ToList());
    }
}

internal static class TestPictures
{
    /// <summary>A BGR gradient image (blue = x * 7 + y mod 256) whose left column is white.</summary>
    public static Image Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = x == 0 ? (byte)255 : (byte)(((x * 7) + y) % 255);
                pixels.AsSpan(((y * width) + x) * 3, 3).Fill(v);
            }
        }
        return Image.FromPixels(width, height, 3, pixels);
    }
}

/// <summary>
/// Probability 1 inside a fixed rectangle and 0 elsewhere, whatever the prompt (over the box grown by 3 px); its mask is
/// that rectangle cut at the prompt box, as the pipeline cuts what spills past a box.
/// </summary>
internal sealed class RectangleSegmenter(Rect foreground) : ISegmenter
{
    public string Model => "rectangle";

    public string Version => "test";

    public int SegmentCalls { get; private set; }

    public Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
        CancellationToken cancellationToken = default)
    {
        SegmentCalls++;
        var result = prompts.Select(p =>
        {
            var b = p.Box!;
            var pixels = new byte[image.Width * image.Height];
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var inBox = x >= b.X && x < b.X + b.Width && y >= b.Y && y < b.Y + b.Height;
                    pixels[(y * image.Width) + x] = inBox && Inside(x, y) ? (byte)1 : (byte)0;
                }
            }
            return new PromptSegmentation(Mask.FromBytes(image.Width, image.Height, pixels), 1);
        }).ToList();
        return Task.FromResult<IReadOnlyList<PromptSegmentation>>(result);
    }

    public Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
        CancellationToken cancellationToken = default)
    {
        var result = prompts.Select(p =>
        {
            var b = p.Box!;
            var window = new Rect((int)Math.Floor(b.X) - 3, (int)Math.Floor(b.Y) - 3, (int)Math.Ceiling(b.Width) + 6, (int)Math.Ceiling(b.Height) + 6);
            var values = new float[window.Width * window.Height];
            for (var y = 0; y < window.Height; y++)
            {
                for (var x = 0; x < window.Width; x++)
                    values[(y * window.Width) + x] = Inside(window.X + x, window.Y + y) ? 1f : 0f;
            }
            return new PromptProbabilities(window, values);
        }).ToList();
        return Task.FromResult<IReadOnlyList<PromptProbabilities>>(result);
    }

    private bool Inside(int x, int y) => x >= foreground.X && x < foreground.Right && y >= foreground.Y && y < foreground.Bottom;
}
