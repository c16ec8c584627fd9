using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;

namespace SegLoop.ActiveLearning;

/// <summary>
/// D stochastic passes of one item through an <see cref="ISegmenter"/> (<see cref="ISegmenter.ProbabilitiesAsync"/>: the
/// one segmentation pipeline, whatever the model kind), each pass a <see cref="Perturbation"/> of the prompt box and
/// image; every pass's probabilities are mapped back to the item's frame and measured by <see cref="UncertaintyMeasures"/>.
/// The unflipped passes of an item run as one call (one batch per input size), the flipped ones as another.
/// Monte Carlo dropout is not used: ONNX Runtime runs Dropout as the identity at inference, and IS-Net's graph has no
/// Dropout node anyway; the perturbations are the noise.
/// </summary>
public sealed class UncertaintyScorer(ISegmenter segmenter)
{
    public ISegmenter Segmenter => segmenter;

    /// <summary>
    /// The uncertainty over <paramref name="frame"/> (the item: a box of <paramref name="image"/>, or all of it) from
    /// <paramref name="passes"/> passes. Throws <see cref="BadPromptException"/> when the frame is not a usable box.
    /// </summary>
    public async Task<UncertaintyMap> ScoreAsync(Image image, Rect frame, int passes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (frame.Width <= 0 || frame.Height <= 0 || frame.X < 0 || frame.Y < 0 || frame.Right > image.Width || frame.Bottom > image.Height)
            throw new BadPromptException(0, $"frame {frame} is empty or not inside the {image.Width} x {image.Height} image");
        var plan = Perturbation.Plan(passes);
        var maps = new float[plan.Count][];
        await RunAsync(image, frame, plan, flipped: false, maps, cancellationToken).ConfigureAwait(false);
        if (plan.Any(p => p.Flip))
        {
            using var mirror = Mirror(image);
            await RunAsync(mirror, frame, plan, flipped: true, maps, cancellationToken).ConfigureAwait(false);
        }
        return UncertaintyMeasures.Compute(frame.Width, frame.Height, maps);
    }

    private async Task RunAsync(Image image, Rect frame, IReadOnlyList<Perturbation> plan, bool flipped, float[][] maps,
        CancellationToken cancellationToken)
    {
        var indices = Enumerable.Range(0, plan.Count).Where(i => plan[i].Flip == flipped).ToList();
        if (indices.Count == 0)
            return;
        var prompts = indices.Select(i =>
        {
            var (x, y, w, h) = plan[i].Box(frame.X, frame.Y, frame.Width, frame.Height, image.Width);
            return new Prompt { Box = new BoundingBox(x, y, w, h) };
        }).ToList();
        var probabilities = await segmenter.ProbabilitiesAsync(image, prompts, cancellationToken).ConfigureAwait(false);
        for (var j = 0; j < indices.Count; j++)
            maps[indices[j]] = ToFrame(probabilities[j], frame, flipped ? image.Width : 0);
    }

    /// <summary>
    /// A pass's window probabilities sampled at the frame's pixels (NaN where the window does not reach);
    /// <paramref name="mirroredWidth"/> &gt; 0: the window is in the mirror image of that width.
    /// </summary>
    internal static float[] ToFrame(PromptProbabilities window, Rect frame, int mirroredWidth)
    {
        var w = window.Window;
        if (window.Values.Length != w.Width * w.Height)
            throw new InvalidOperationException($"the segmenter gave {window.Values.Length} probabilities for a {w.Width} x {w.Height} window");
        var result = new float[frame.Width * frame.Height];
        for (var y = 0; y < frame.Height; y++)
        {
            var v = frame.Y + y - w.Y;
            for (var x = 0; x < frame.Width; x++)
            {
                var imageX = frame.X + x;
                var u = (mirroredWidth > 0 ? mirroredWidth - 1 - imageX : imageX) - w.X;
                result[(y * frame.Width) + x] = v >= 0 && v < w.Height && u >= 0 && u < w.Width ? window.Values[(v * w.Width) + u] : float.NaN;
            }
        }
        return result;
    }

    /// <summary>The image mirrored left to right.</summary>
    internal static Image Mirror(Image image)
    {
        var source = image.Pixels;
        var channels = image.Channels;
        var row = image.Width * channels;
        var pixels = new byte[source.Length];
        for (var y = 0; y < image.Height; y++)
        {
            var from = source.Slice(y * row, row);
            var to = pixels.AsSpan(y * row, row);
            for (var x = 0; x < image.Width; x++)
                from.Slice(x * channels, channels).CopyTo(to.Slice((image.Width - 1 - x) * channels, channels));
        }
        return Image.FromPixels(image.Width, image.Height, channels, pixels);
    }
}
