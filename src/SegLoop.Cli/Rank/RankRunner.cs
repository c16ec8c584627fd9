using System.Diagnostics;
using System.Text.Json.Serialization;
using SegLoop.ActiveLearning;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;

namespace SegLoop.Cli.Rank;

/// <summary>An item that could not be ranked, and why; the others go on.</summary>
public sealed record RankFailure(
    [property: JsonPropertyName("item")] string Item,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>What a run did: items skipped (done earlier), ranked now, failed, and the seconds the ranked ones took.</summary>
public sealed record RankRunSummary(
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("skipped")] int Skipped,
    [property: JsonPropertyName("ranked")] int Ranked,
    [property: JsonPropertyName("failures")] IReadOnlyList<RankFailure> Failures,
    [property: JsonPropertyName("seconds")] double Seconds);

/// <summary>
/// Ranks the items not yet in the state, one at a time (each item's passes run as one batch per input size), recording
/// each as it finishes. An unreadable image or a model failure on one item is a <see cref="RankFailure"/>; the rest go on.
/// Items with ground truth also get their model mask's IoU (the mask the ranker measured a box's fit on, else one made at the
/// ranker's mask threshold) and each superpixel's error pixels.
/// </summary>
public sealed class RankRunner(ItemRanker ranker, int passes)
{
    public async Task<RankRunSummary> RunAsync(IReadOnlyList<RankInputItem> items, RankState state, Action<RankInputItem>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(state);
        var failures = new List<RankFailure>();
        int skipped = 0, ranked = 0;
        var clock = Stopwatch.StartNew();
        string? openPath = null;
        Image? open = null;
        string? openProblem = null;
        try
        {
            foreach (var input in items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (state.Done.ContainsKey(input.Item.Id))
                {
                    skipped++;
                    progress?.Invoke(input);
                    continue;
                }
                if (openPath != input.Path)
                {
                    // Boxes of one image come one after another: decode it once.
                    open?.Dispose();
                    (open, openProblem, openPath) = (null, null, input.Path);
                    try
                    {
                        open = ImageCodec.Decode(await File.ReadAllBytesAsync(input.Path, cancellationToken));
                    }
                    catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException)
                    {
                        openProblem = $"cannot read {input.Path}: {e.Message}";
                    }
                }
                if (open is null)
                {
                    failures.Add(new RankFailure(input.Item.Id, openProblem!));
                    progress?.Invoke(input);
                    continue;
                }
                try
                {
                    var analysis = await ranker.RankAsync(input.Item, open, passes, cancellationToken);
                    var evaluation = input.Truth is null ? null : await EvaluateAsync(input, open, analysis, cancellationToken);
                    state.Record(new RankStateEntry(input.Item.Id, analysis.Ranking, evaluation));
                    ranked++;
                }
                catch (Exception e) when (e is BadPromptException or VisionException)
                {
                    failures.Add(new RankFailure(input.Item.Id, e.Message));
                }
                progress?.Invoke(input);
            }
        }
        finally
        {
            open?.Dispose();
        }
        return new RankRunSummary(items.Count, skipped, ranked, failures, clock.Elapsed.TotalSeconds);
    }

    private async Task<ItemEvaluation> EvaluateAsync(RankInputItem input, Image image, ItemAnalysis analysis, CancellationToken cancellationToken)
    {
        var frame = ItemRanker.Frame(input.Item, image);
        var mask = analysis.Mask;
        if (mask is null)
        {
            var prompt = new Prompt { Box = new BoundingBox(frame.X, frame.Y, frame.Width, frame.Height) };
            mask = (await ranker.Scorer.Segmenter.SegmentAsync(image, [prompt], ranker.MaskThreshold, cancellationToken))[0].Mask;
        }
        var truth = input.Truth!;
        if (truth.Width != image.Width || truth.Height != image.Height)
            throw new BadPromptException(0, $"ground truth is {truth.Width} x {truth.Height} but the image is {image.Width} x {image.Height}");
        var truthMask = Mask.FromBytes(truth.Width, truth.Height, truth.Decode());
        var iou = mask.IntersectionOverUnion(truthMask);
        var labels = analysis.Superpixels;
        var errors = new int[labels.Count];
        var ids = labels.Labels.Span;
        var predicted = mask.Data;
        var expected = truthMask.Data;
        for (var y = 0; y < frame.Height; y++)
        {
            for (var x = 0; x < frame.Width; x++)
            {
                var i = ((frame.Y + y) * image.Width) + frame.X + x;
                if ((predicted[i] != 0) != (expected[i] != 0))
                    errors[ids[(y * frame.Width) + x]]++;
            }
        }
        return new ItemEvaluation(Math.Round(iou, 6), errors);
    }
}
