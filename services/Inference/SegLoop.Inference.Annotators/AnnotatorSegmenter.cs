using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;

namespace SegLoop.Inference.Annotators;

/// <summary>
/// The segmenter the annotation tools are served with (Annotators:Model): GrabCut, or the promoted version of a
/// registry model, loaded once with its SHA-256 checked and kept for the process.
/// </summary>
public sealed class AnnotatorSegmenter(ModelRegistry registry, IOptions<AnnotatorsOptions> options, IOptions<OnnxModelOptions> onnx,
    ILogger<AnnotatorSegmenter> logger) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private ISegmenter? segmenter;
    private OnnxModel? model;

    /// <summary>Set in tests and by hosts that build their own segmenter.</summary>
    public ISegmenter? Override { get; set; }

    public async Task<ISegmenter> GetAsync(CancellationToken cancellationToken)
    {
        if ((Override ?? segmenter) is { } current)
            return current;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (segmenter is not null)
                return segmenter;
            var name = options.Value.Model;
            if (name == "grabcut")
                return segmenter = Segmenters.GrabCut();
            var promoted = await registry.GetPromotedAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new ModelRegistryException($"Annotators:Model is '{name}' but the registry has no promoted version of it.");
            var file = await registry.LoadAsync(name, promoted.Version, promoted.Sha256, cancellationToken).ConfigureAwait(false);
            model = OnnxModel.FromBytes(file.Bytes, onnx.Value, logger, name: $"{name}@{promoted.Version}");
            return segmenter = Segmenters.Onnx(model, file.Metadata.Preprocessing, name, promoted.Version);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        model?.Dispose();
        gate.Dispose();
    }
}
