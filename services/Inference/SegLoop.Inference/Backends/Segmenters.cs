using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.Contracts;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>Creates <see cref="ISegmenter"/>s for direct use (evaluation, benchmarks, tests).</summary>
public static class Segmenters
{
    /// <summary>OpenCV GrabCut from the box; clicks seed disks of <paramref name="clickRadius"/> pixels.</summary>
    public static ISegmenter GrabCut(int iterations = 5, int clickRadius = 3, double padding = PromptGeometry.DefaultPadding) =>
        new InlineSegmenter(new GrabCutBackend(iterations, clickRadius), padding);

    /// <summary>The filled prompt box: the baseline every segmenter must beat (clicks are ignored).</summary>
    public static ISegmenter FilledBox(double padding = PromptGeometry.DefaultPadding) => new InlineSegmenter(new FilledBoxBackend(), padding);

    /// <summary>
    /// A U2-Net-convention ONNX model. The caller keeps ownership of <paramref name="model"/> (dispose it after the
    /// segmenter's last call).
    /// </summary>
    public static ISegmenter Onnx(OnnxModel model, OnnxPreprocessing preprocessing, string name = "onnx", string version = "local",
        double padding = PromptGeometry.DefaultPadding) =>
        new InlineSegmenter(new OnnxBackend(model, preprocessing, name, version), padding);

    /// <summary>
    /// A registered version of any kind (<see cref="ModelKinds"/>: ONNX, refiner), loaded as Inference loads it; dispose
    /// the segmenter after its last call to free the model.
    /// </summary>
    public static async Task<RegisteredSegmenter> FromRegistryAsync(ModelRegistry registry, string name, string version,
        OnnxModelOptions? sessionOptions = null, ILogger? logger = null, double padding = PromptGeometry.DefaultPadding,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var context = new ModelLoadContext(registry, sessionOptions ?? new OnnxModelOptions(), 5, 3, logger ?? NullLogger.Instance);
        var loaded = await ModelKinds.LoadAsync(name, version, null, context, cancellationToken).ConfigureAwait(false);
        return new RegisteredSegmenter(new InlineSegmenter(loaded.Backend, padding), loaded.Owned);
    }

    /// <summary>A segmenter over a backend this process built (the refiner's training and tests).</summary>
    internal static ISegmenter Inline(CropBackend backend, double padding = PromptGeometry.DefaultPadding) => new InlineSegmenter(backend, padding);

    private sealed class InlineSegmenter(CropBackend backend, double padding) : ISegmenter
    {
        public string Model => backend.Model;

        public string Version => backend.Version;

        public async Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
            CancellationToken cancellationToken = default)
        {
            var placed = await SegmentationPipeline.SegmentAsync(backend, InlineScheduler.Instance, image, prompts, threshold, padding, cancellationToken)
                .ConfigureAwait(false);
            return placed.Select(p => new PromptSegmentation(p.ToImageMask(), p.Score)).ToList();
        }

        public Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
            CancellationToken cancellationToken = default) =>
            SegmentationPipeline.ProbabilitiesAsync(backend, InlineScheduler.Instance, image, prompts, padding, cancellationToken);
    }
}

/// <summary>A registry model loaded for direct use; owns its model (ONNX session, refiner and base) until disposed.</summary>
public sealed class RegisteredSegmenter : ISegmenter, IDisposable
{
    private readonly ISegmenter _inner;
    private readonly IDisposable? _owned;

    internal RegisteredSegmenter(ISegmenter inner, IDisposable? owned)
    {
        _inner = inner;
        _owned = owned;
    }

    public string Model => _inner.Model;

    public string Version => _inner.Version;

    public Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
        CancellationToken cancellationToken = default) => _inner.SegmentAsync(image, prompts, threshold, cancellationToken);

    public Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
        CancellationToken cancellationToken = default) => _inner.ProbabilitiesAsync(image, prompts, cancellationToken);

    public void Dispose() => _owned?.Dispose();
}
