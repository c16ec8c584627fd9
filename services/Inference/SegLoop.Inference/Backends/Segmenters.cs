using SegLoop.Contracts;
using SegLoop.ModelRuntime;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>Creates <see cref="ISegmenter"/>s for direct use (evaluation, benchmarks, tests).</summary>
public static class Segmenters
{
    /// <summary>OpenCV GrabCut from the box; clicks seed disks of <paramref name="clickRadius"/> pixels.</summary>
    public static ISegmenter GrabCut(int iterations = 5, int clickRadius = 3, double padding = PromptGeometry.DefaultPadding) =>
        new InlineSegmenter(new GrabCutBackend(iterations, clickRadius), padding);

    /// <summary>
    /// A U2-Net-convention ONNX model. The caller keeps ownership of <paramref name="model"/> (dispose it after the
    /// segmenter's last call).
    /// </summary>
    public static ISegmenter Onnx(OnnxModel model, OnnxPreprocessing preprocessing, string name = "onnx", string version = "local",
        double padding = PromptGeometry.DefaultPadding) =>
        new InlineSegmenter(new OnnxBackend(model, preprocessing, name, version), padding);

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
