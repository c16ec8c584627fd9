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
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ISegmenter? _segmenter;
    private OnnxModel? _model;

    /// <summary>Set in tests and by hosts that build their own segmenter.</summary>
    public ISegmenter? Override { get; set; }

    public async Task<ISegmenter> GetAsync(CancellationToken cancellationToken)
    {
        if ((Override ?? _segmenter) is { } current)
            return current;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_segmenter is not null)
                return _segmenter;
            var name = options.Value.Model;
            if (name == "grabcut")
                return _segmenter = Segmenters.GrabCut();
            var promoted = await registry.GetPromotedAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new ModelRegistryException($"Annotators:Model is '{name}' but the registry has no promoted version of it.");
            var file = await registry.LoadAsync(name, promoted.Version, promoted.Sha256, cancellationToken).ConfigureAwait(false);
            _model = OnnxModel.FromBytes(file.Bytes, onnx.Value, logger, name: $"{name}@{promoted.Version}");
            return _segmenter = Segmenters.Onnx(_model, file.Metadata.Preprocessing, name, promoted.Version);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _model?.Dispose();
        _gate.Dispose();
    }
}
