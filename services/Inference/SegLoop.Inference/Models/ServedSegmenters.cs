using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Batching;
using SegLoop.Vision;

namespace SegLoop.Inference.Models;

/// <summary>
/// The models this process serves as <see cref="ISegmenter"/>s, for work other than pre-annotation that the service
/// hosts (uncertainty ranking): the same catalog version, crops run through the shared <see cref="Batcher"/> with the
/// configured padding, exactly as <see cref="PreAnnotationService"/> runs them.
/// </summary>
public sealed class ServedSegmenters(ModelCatalog catalog, Batcher batcher, IOptions<InferenceOptions> options)
{
    /// <summary>The default model's name: Inference:DefaultModel, else IS-Net when promoted, else GrabCut.</summary>
    public Task<string> DefaultModelAsync(CancellationToken cancellationToken) =>
        catalog.DefaultModelAsync(options.Value.DefaultModel, cancellationToken);

    /// <summary>
    /// A segmenter holding the current version of <paramref name="name"/> until disposed (a promotion meanwhile does not
    /// pull it away); null when the registry has no promoted version of it.
    /// </summary>
    public async Task<LeasedSegmenter?> AcquireAsync(string name, CancellationToken cancellationToken)
    {
        var lease = await catalog.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        return lease is null ? null : new LeasedSegmenter(lease, batcher, options.Value.Padding);
    }
}

/// <summary>An <see cref="ISegmenter"/> over one served model version; dispose it to release the version.</summary>
public sealed class LeasedSegmenter : ISegmenter, IDisposable
{
    private readonly ModelLease _lease;
    private readonly Batcher _batcher;
    private readonly double _padding;

    internal LeasedSegmenter(ModelLease lease, Batcher batcher, double padding)
    {
        _lease = lease;
        _batcher = batcher;
        _padding = padding;
    }

    public string Model => _lease.Backend.Model;

    public string Version => _lease.Backend.Version;

    public async Task<IReadOnlyList<PromptSegmentation>> SegmentAsync(Image image, IReadOnlyList<Prompt> prompts, double threshold,
        CancellationToken cancellationToken = default)
    {
        var placed = await SegmentationPipeline.SegmentAsync(_lease.Backend, _batcher, image, prompts, threshold, _padding, cancellationToken)
            .ConfigureAwait(false);
        return placed.Select(p => new PromptSegmentation(p.ToImageMask(), p.Score)).ToList();
    }

    public Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(Image image, IReadOnlyList<Prompt> prompts,
        CancellationToken cancellationToken = default) =>
        SegmentationPipeline.ProbabilitiesAsync(_lease.Backend, _batcher, image, prompts, _padding, cancellationToken);

    public void Dispose() => _lease.Dispose();
}
