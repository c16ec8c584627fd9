using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Inference;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.ActiveLearning;

/// <summary>The answer to one ranking request: exactly one of the two is set.</summary>
public sealed record RankingOutcome(RankingCompleted? Completed, RankingFailed? Failed);

/// <summary>Stable codes of <see cref="RankingFailed"/> and <see cref="RankingImageFailure"/>.</summary>
public static class RankingCodes
{
    public const string BadRequest = "bad-request";
    public const string NoImages = "no-images";
    public const string UnknownModel = "unknown-model";
    public const string NoReadableImage = "no-readable-image";
    public const string ImageNotFound = "image-not-found";
    public const string UnreadableImage = "unreadable-image";
    public const string ModelError = "model-error";
}

/// <summary>
/// Answers one <see cref="RankingRequested"/> inside the Inference service: every image, whole, through the served model
/// (<see cref="ServedSegmenters"/>, on the shared batcher) with D perturbed passes; the outputs go to
/// rankings/{RequestId}/ (deterministic keys and bytes, so a redelivery rewrites the same files). An image that is
/// missing or unreadable is left out with its reason and the rest is ranked; a request that cannot be answered at all
/// comes back as <see cref="RankingFailed"/>. Storage faults propagate so the bus retries them.
/// </summary>
public sealed partial class RankingService(IBlobStore store, ServedSegmenters segmenters, IOptions<InferenceOptions> options,
    ILogger<RankingService> logger)
{
    public const string Prefix = "rankings/";
    public const int MaxPasses = 32;

    public static string Key(string requestId, string file) => $"{Prefix}{requestId}/{file}";

    public async Task<RankingOutcome> HandleAsync(RankingRequested request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RankingOutcome Fail(string code, string reason, IReadOnlyList<RankingImageFailure>? failures = null)
        {
            Log.RankingFailed(logger, request.RequestId ?? "", code, reason);
            return new RankingOutcome(null, new RankingFailed { RequestId = request.RequestId ?? "", Code = code, Reason = reason, Failures = failures });
        }

        if (string.IsNullOrEmpty(request.RequestId) || !RequestIdPattern().IsMatch(request.RequestId))
            return Fail(RankingCodes.BadRequest, $"request id '{request.RequestId}' must be 1-200 letters, digits, '.', '_' or '-' (it names the output folder)");
        if (request.Passes is < 1 or > MaxPasses)
            return Fail(RankingCodes.BadRequest, $"passes (D) {request.Passes} is not within 1..{MaxPasses}");
        if (request.TopSuperpixels < 0)
            return Fail(RankingCodes.BadRequest, $"top superpixels {request.TopSuperpixels} is negative");
        var keys = (request.ImageKeys ?? []).Where(k => !string.IsNullOrWhiteSpace(k)).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
            return Fail(RankingCodes.NoImages, "the request names no image to rank");

        var modelName = request.Model ?? await segmenters.DefaultModelAsync(cancellationToken).ConfigureAwait(false);
        using var segmenter = await segmenters.AcquireAsync(modelName, cancellationToken).ConfigureAwait(false);
        if (segmenter is null)
            return Fail(RankingCodes.UnknownModel, $"model '{modelName}' is not in the registry or has no promoted version (register and promote it, or use 'grabcut')");

        var ranker = new ItemRanker(new UncertaintyScorer(segmenter));
        var ranked = new List<ItemRanking>();
        var failures = new List<RankingImageFailure>();
        foreach (var key in keys)
        {
            var (ranking, failure) = await RankOneAsync(ranker, key, request.Passes, cancellationToken).ConfigureAwait(false);
            if (ranking is not null)
                ranked.Add(ranking);
            else
                failures.Add(failure!);
        }
        if (ranked.Count == 0)
            return Fail(RankingCodes.NoReadableImage, $"none of the {keys.Count} images could be ranked: {failures[0].ImageKey}: {failures[0].Reason}", failures);

        var outputs = RankingOutputs.Build(ranked, request.TopSuperpixels,
            $"Uncertainty ranking {request.RequestId}: {segmenter.Model} {segmenter.Version}, D = {request.Passes}");
        var rankingKey = Key(request.RequestId, RankingOutputs.RankingFile);
        var superpixelsKey = Key(request.RequestId, RankingOutputs.SuperpixelsFile);
        var reportKey = Key(request.RequestId, RankingOutputs.ReportFile);
        await store.PutBytesAsync(rankingKey, outputs.RankingCsv, "text/csv", cancellationToken).ConfigureAwait(false);
        await store.PutBytesAsync(superpixelsKey, outputs.SuperpixelsJson, "application/json", cancellationToken).ConfigureAwait(false);
        await store.PutBytesAsync(reportKey, outputs.ReportHtml, "text/html", cancellationToken).ConfigureAwait(false);
        Log.RankingCompleted(logger, request.RequestId, ranked.Count, failures.Count, segmenter.Model, segmenter.Version, request.Passes);
        return new RankingOutcome(new RankingCompleted
        {
            RequestId = request.RequestId,
            Model = segmenter.Model,
            ModelVersion = segmenter.Version,
            Passes = request.Passes,
            RankingKey = rankingKey,
            SuperpixelsKey = superpixelsKey,
            ReportKey = reportKey,
            Ranked = ranked.Count,
            Failures = failures,
        }, null);
    }

    private async Task<(ItemRanking?, RankingImageFailure?)> RankOneAsync(ItemRanker ranker, string key, int passes, CancellationToken cancellationToken)
    {
        RankingImageFailure Failure(string code, string reason) => new() { ImageKey = key, Code = code, Reason = reason };
        RentedBytes bytes;
        try
        {
            bytes = await store.RentBytesAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return (null, Failure(RankingCodes.ImageNotFound, $"image '{key}' does not exist in storage"));
        }
        catch (InvalidBlobKeyException e)
        {
            return (null, Failure(RankingCodes.ImageNotFound, $"image key '{key}' is not a valid storage key: {e.Message}"));
        }
        Image image;
        using (bytes)
        {
            try
            {
                image = ImageCodec.Decode(bytes.Span, new DecodeOptions { MaxPixels = options.Value.MaxImagePixels });
            }
            catch (ImageDecodeException e)
            {
                return (null, Failure(RankingCodes.UnreadableImage, $"image '{key}' cannot be decoded: {e.Message}"));
            }
        }
        using (image)
        {
            try
            {
                var analysis = await ranker.RankAsync(new RankItem(key, key, null), image, passes, cancellationToken).ConfigureAwait(false);
                return (analysis.Ranking, null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (null, Failure(RankingCodes.ModelError, $"model {ranker.Scorer.Segmenter.Model} failed on '{key}': {e.Message}"));
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")]
    private static partial Regex RequestIdPattern();
}
