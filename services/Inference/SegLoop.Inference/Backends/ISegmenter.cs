using SegLoop.Contracts;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// A segmentation backend called directly, without a bus: the evaluator and benchmarks use it as is, the
/// Inference service runs the same pipeline (<see cref="SegmentationPipeline"/>) through its batcher. Create one with
/// <see cref="Segmenters"/>.
/// Thread-safe; one instance may serve many callers at once.
/// </summary>
public interface ISegmenter
{
    /// <summary>"grabcut", or the registry name of the ONNX model.</summary>
    string Model { get; }

    /// <summary>"builtin" for GrabCut, else the registry version.</summary>
    string Version { get; }

    /// <summary>
    /// Segments every prompt of one BGR <paramref name="image"/> (all crops of the call run as one batch). Results
    /// come back in prompt order, each mask in image coordinates (image.Width x image.Height).
    /// <paramref name="threshold"/> in [0, 1] applies to the model's probabilities (GrabCut's are 0 or 1).
    /// Throws <see cref="BadPromptException"/> for a prompt with no usable box (empty, NaN, outside the image).
    /// </summary>
    Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// The per-pixel foreground probabilities behind each prompt's mask (before threshold and postprocessing), over the
    /// prompt's window in image coordinates: what uncertainty ranking and learned refiners read.
    /// </summary>
    Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
        CancellationToken cancellationToken = default);
}

/// <summary>The mask for one prompt in image coordinates and its score: the mean probability inside the mask (0 when empty).</summary>
public sealed record PromptSegmentation(Mask Mask, double Score);

/// <summary>A prompt that cannot be segmented; <see cref="Exception.Message"/> names the problem.</summary>
public sealed class BadPromptException : Exception
{
    public BadPromptException(int promptIndex, string problem)
        : base($"prompt {promptIndex}: {problem}")
    {
        PromptIndex = promptIndex;
    }

    public int PromptIndex { get; }
}
