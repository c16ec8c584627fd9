using SegLoop.Contracts;
using SegLoop.ModelRuntime;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>Creates <see cref="ISegmenter"/>s for direct use (evaluation, benchmarks, tests).</summary>
public static class Segmenters
{
    /// <summary>OpenCV GrabCut from the box; clicks seed disks of <paramref name="clickRadius"/> pixels.</summary>
    public static ISegmenter GrabCut(int iterations = 5, int clickRadius = 3, double padding = PromptGeometry.DefaultPadding) =>
        new DirectSegmenter(new GrabCutBackend(iterations, clickRadius), padding);

    /// <summary>
    /// A U2-Net-convention ONNX model. The caller keeps ownership of <paramref name="model"/> (dispose it after the
    /// segmenter's last call).
    /// </summary>
    public static ISegmenter Onnx(OnnxModel model, OnnxPreprocessing preprocessing, string name = "onnx", string version = "local",
        double padding = PromptGeometry.DefaultPadding) =>
        new DirectSegmenter(new OnnxBackend(model, preprocessing, name, version), padding);

    private sealed class DirectSegmenter(CropBackend backend, double padding) : ISegmenter
    {
        public string Model => backend.Model;

        public string Version => backend.Version;

        public Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
            CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(image);
            ArgumentNullException.ThrowIfNull(prompts);
            if (!(threshold is >= 0 and <= 1))
                throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be in [0, 1]");
            var prepared = PromptGeometry.PrepareAll(prompts, image.Width, image.Height, padding);
            var inputs = prepared.Select(p => backend.Prepare(image, p)).ToList();
            try
            {
                var results = new PromptSegmentation[inputs.Count];
                foreach (var group in inputs.Select((input, i) => (input, i)).GroupBy(x => x.input.GroupKey))
                {
                    var members = group.ToList();
                    var outputs = backend.Run(members.Select(m => m.input).ToList(), cancellationToken);
                    for (var j = 0; j < members.Count; j++)
                        results[members[j].i] = MaskPostprocessor.Finish(members[j].input.Prompt, outputs[j], threshold, image.Width, image.Height);
                }
                return Task.FromResult<IReadOnlyList<PromptSegmentation>>(results);
            }
            finally
            {
                foreach (var input in inputs)
                    input.Dispose();
            }
        }
    }
}
