using SegLoop.Contracts;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// Where a pipeline's crops run: <see cref="InlineScheduler"/> runs a call's crops as its own batches on the caller's
/// thread (evaluation, benchmarks, ranking); <see cref="Batching.Batcher"/> batches crops across requests (the service).
/// </summary>
internal interface ICropScheduler
{
    /// <summary>Runs <paramref name="crops"/> through <paramref name="backend"/>; one result per crop, in order.</summary>
    Task<IReadOnlyList<CropProbabilities>> RunAsync(CropBackend backend, IReadOnlyList<CropInput> crops, CancellationToken cancellationToken);
}

/// <summary>Runs a call's crops right away, one batch per input size.</summary>
internal sealed class InlineScheduler : ICropScheduler
{
    public static readonly InlineScheduler Instance = new();

    public Task<IReadOnlyList<CropProbabilities>> RunAsync(CropBackend backend, IReadOnlyList<CropInput> crops, CancellationToken cancellationToken)
    {
        var results = new CropProbabilities[crops.Count];
        foreach (var group in crops.Select((crop, i) => (crop, i)).GroupBy(x => x.crop.GroupKey))
        {
            var members = group.ToList();
            var outputs = backend.Run(members.Select(m => m.crop).ToList(), cancellationToken);
            for (var j = 0; j < members.Count; j++)
                results[members[j].i] = outputs[j];
        }
        return Task.FromResult<IReadOnlyList<CropProbabilities>>(results);
    }
}

/// <summary>One prompt's per-pixel foreground probabilities over its window (<see cref="Window"/>, in image coordinates).</summary>
public sealed record PromptProbabilities(Rect Window, float[] Values);

/// <summary>
/// The one segmentation pipeline: prompts to windows (<see cref="PromptGeometry"/>), crops cut by the model kind's
/// backend, run by a scheduler, clicks applied (<see cref="ClickRefinement"/>), postprocessed once
/// (<see cref="MaskPostprocessor"/>). The service, bulk pre-labelling,
/// evaluation, benchmarks and ranking all segment through it; only the scheduler differs.
/// </summary>
internal static class SegmentationPipeline
{
    /// <summary>
    /// Masks for every prompt of one image, in prompt order, crop-sized and placed in image coordinates.
    /// Throws <see cref="BadPromptException"/> for a prompt with no usable box before any crop runs.
    /// </summary>
    public static async Task<IReadOnlyList<PlacedMask>> SegmentAsync(CropBackend backend, ICropScheduler scheduler, Image image,
        IReadOnlyList<Prompt> prompts, double threshold, double padding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(threshold is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be in [0, 1]");
        var prepared = Prepare(backend, prompts, image, padding);
        var probabilities = await RunAsync(backend, scheduler, image, prepared, threshold, cancellationToken).ConfigureAwait(false);
        return prepared.Select((p, i) => MaskPostprocessor.Finish(p, probabilities[i], threshold, image.Width, image.Height)).ToList();
    }

    /// <summary>The probabilities behind the masks (before threshold and postprocessing; clicks refined at 0.5), in prompt order.</summary>
    public static async Task<IReadOnlyList<PromptProbabilities>> ProbabilitiesAsync(CropBackend backend, ICropScheduler scheduler, Image image,
        IReadOnlyList<Prompt> prompts, double padding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var prepared = Prepare(backend, prompts, image, padding);
        var probabilities = await RunAsync(backend, scheduler, image, prepared, 0.5, cancellationToken).ConfigureAwait(false);
        return prepared.Select((p, i) => new PromptProbabilities(p.Window, probabilities[i].Values)).ToList();
    }

    private static IReadOnlyList<PreparedPrompt> Prepare(CropBackend backend, IReadOnlyList<Prompt> prompts, Image image, double padding)
    {
        var prepared = PromptGeometry.PrepareAll(prompts, image.Width, image.Height, padding);
        return backend.IgnoresClicks ? prepared.Select(p => p with { Clicks = [] }).ToList() : prepared;
    }

    private static async Task<IReadOnlyList<CropProbabilities>> RunAsync(CropBackend backend, ICropScheduler scheduler, Image image,
        IReadOnlyList<PreparedPrompt> prepared, double threshold, CancellationToken cancellationToken)
    {
        var inputs = new List<CropInput>(prepared.Count);
        try
        {
            foreach (var prompt in prepared)
                inputs.Add(backend.Prepare(image, prompt));
            var probabilities = await scheduler.RunAsync(backend, inputs, cancellationToken).ConfigureAwait(false);
            // Clicks refine the model's answer, whatever its kind (a backend that takes clicks itself is left as it is).
            return backend.UsesClickSeeds
                ? probabilities
                : inputs.Select((input, i) => ClickRefinement.Refine(input, probabilities[i], threshold)).ToList();
        }
        finally
        {
            foreach (var input in inputs)
                input.Dispose();
        }
    }
}
