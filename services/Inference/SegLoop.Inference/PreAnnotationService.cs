using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Batching;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Inference;

/// <summary>The answer to one request: exactly one of the two is set.</summary>
public sealed record PreAnnotationOutcome(PreAnnotationCompleted? Completed, PreAnnotationFailed? Failed);

/// <summary>Stable <see cref="PreAnnotationFailed.Code"/> values.</summary>
public static class FailureCodes
{
    public const string BadRequest = "bad-request";
    public const string ImageNotFound = "image-not-found";
    public const string UnreadableImage = "unreadable-image";
    public const string UnknownModel = "unknown-model";
    public const string BadPrompt = "bad-prompt";
    public const string ModelError = "model-error";
}

/// <summary>
/// Answers one <see cref="PreAnnotationRequested"/>: loads the image, segments every prompt through the one
/// <see cref="SegmentationPipeline"/> with the shared <see cref="Batcher"/> as its scheduler, writes COCO results to
/// prelabels/{requestId}.json and returns the masks. Bad input (missing image, unknown model, bad prompt, a crop the model fails on) comes back as a failure
/// outcome, never an exception; storage and bus faults propagate so the bus retries them.
/// </summary>
public sealed partial class PreAnnotationService
{
    public const string ResultsPrefix = "prelabels/";

    private readonly IBlobStore _store;
    private readonly ModelCatalog _catalog;
    private readonly Batcher _batcher;
    private readonly InferenceMetrics _metrics;
    private readonly InferenceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PreAnnotationService> _logger;

    public PreAnnotationService(IBlobStore store, ModelCatalog catalog, Batcher batcher, InferenceMetrics metrics,
        IOptions<InferenceOptions> options, TimeProvider timeProvider, ILogger<PreAnnotationService> logger)
    {
        _store = store;
        _catalog = catalog;
        _batcher = batcher;
        _metrics = metrics;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public static string ResultsKey(string requestId) => $"{ResultsPrefix}{requestId}.json";

    public async Task<PreAnnotationOutcome> HandleAsync(PreAnnotationRequested request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = _timeProvider.GetTimestamp();
        var modelName = request.Model ?? await _catalog.DefaultModelAsync(_options.DefaultModel, cancellationToken).ConfigureAwait(false);
        PreAnnotationOutcome Fail(string code, string reason)
        {
            Log.RequestFailed(_logger, request.RequestId ?? "", request.ImageKey ?? "", code, reason);
            _metrics.RequestAnswered(modelName, code, _timeProvider.GetElapsedTime(started).TotalMilliseconds);
            return new PreAnnotationOutcome(null, new PreAnnotationFailed
            {
                RequestId = request.RequestId ?? "",
                ImageKey = request.ImageKey ?? "",
                Model = modelName,
                Code = code,
                Reason = reason,
            });
        }

        if (string.IsNullOrEmpty(request.RequestId) || !RequestIdPattern().IsMatch(request.RequestId))
            return Fail(FailureCodes.BadRequest, $"request id '{request.RequestId}' must be 1-200 letters, digits, '.', '_' or '-' (it names the results file)");
        if (string.IsNullOrWhiteSpace(request.ImageKey))
            return Fail(FailureCodes.BadRequest, "the request has no image key");
        if (request.Prompts is null || request.Prompts.Count == 0)
            return Fail(FailureCodes.BadPrompt, "the request has no prompts");
        if (!(request.Threshold is >= 0 and <= 1))
            return Fail(FailureCodes.BadPrompt, $"threshold {request.Threshold} is not in [0, 1]");

        using var lease = await _catalog.AcquireAsync(modelName, cancellationToken).ConfigureAwait(false);
        if (lease is null)
            return Fail(FailureCodes.UnknownModel, $"model '{modelName}' is not in the registry or has no promoted version (register and promote it, or use 'grabcut')");

        RentedBytes bytes;
        try
        {
            bytes = await _store.RentBytesAsync(request.ImageKey, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return Fail(FailureCodes.ImageNotFound, $"image '{request.ImageKey}' does not exist in storage");
        }
        catch (InvalidBlobKeyException e)
        {
            return Fail(FailureCodes.BadRequest, $"image key '{request.ImageKey}' is not a valid storage key: {e.Message}");
        }

        Image image;
        using (bytes)
        {
            try
            {
                image = ImageCodec.Decode(bytes.Span, new DecodeOptions { MaxPixels = _options.MaxImagePixels });
            }
            catch (ImageDecodeException e)
            {
                return Fail(FailureCodes.UnreadableImage, $"image '{request.ImageKey}' cannot be decoded: {e.Message}");
            }
        }

        var backend = lease.Backend;
        IReadOnlyList<PlacedMask> segmentations;
        using (image)
        {
            try
            {
                segmentations = await SegmentationPipeline.SegmentAsync(backend, _batcher, image, request.Prompts, request.Threshold, _options.Padding,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (BadPromptException e)
            {
                return Fail(FailureCodes.BadPrompt, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Fail(FailureCodes.ModelError, $"model {backend.Model} {backend.Version} failed: {e.Message}");
            }
        }

        var masks = new List<PromptMask>(segmentations.Count);
        for (var i = 0; i < segmentations.Count; i++)
            masks.Add(ToPromptMask(i, request.Prompts[i].Label, segmentations[i]));

        var resultsKey = ResultsKey(request.RequestId);
        var results = masks.Select(m => new CocoResult(request.ImageKey, m.Label, m.Rle, [m.Box.X, m.Box.Y, m.Box.Width, m.Box.Height], m.Score)).ToList();
        await _store.PutJsonAsync(resultsKey, results, cancellationToken: cancellationToken).ConfigureAwait(false);

        var elapsed = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
        _metrics.PromptsSegmented(backend.Model, masks.Count);
        _metrics.RequestAnswered(backend.Model, "completed", elapsed);
        Log.RequestCompleted(_logger, request.RequestId, request.ImageKey, masks.Count, backend.Model, backend.Version, elapsed);
        return new PreAnnotationOutcome(new PreAnnotationCompleted
        {
            RequestId = request.RequestId,
            ImageKey = request.ImageKey,
            Model = backend.Model,
            ModelVersion = backend.Version,
            ResultsKey = resultsKey,
            Masks = masks,
        }, null);
    }

    internal static PromptMask ToPromptMask(int index, string? label, PlacedMask mask)
    {
        // RLE and polygons come from the crop-sized mask placed in the image: no image-sized buffer per prompt.
        var rle = mask.ToRle();
        var bbox = rle.Bbox;
        var polygons = mask.FindPolygons()
            .SelectMany(p => p.Holes.Prepend(p.Outer))
            .Select(Flatten)
            .ToList();
        return new PromptMask
        {
            PromptIndex = index,
            Label = label,
            Rle = rle.ToContract(),
            Polygons = polygons,
            Box = new BoundingBox(bbox.X, bbox.Y, bbox.Width, bbox.Height),
            Score = Math.Round(mask.Score, 6),
        };
    }

    /// <summary>A ring as COCO writes it: [x0, y0, x1, y1, ...].</summary>
    private static IReadOnlyList<double> Flatten(IReadOnlyList<Point> ring)
    {
        var coordinates = new double[ring.Count * 2];
        for (var i = 0; i < ring.Count; i++)
        {
            coordinates[2 * i] = ring[i].X;
            coordinates[(2 * i) + 1] = ring[i].Y;
        }
        return coordinates;
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")]
    private static partial Regex RequestIdPattern();
}

/// <summary>One entry of a COCO results file (image_id is the storage key; the prelabel CLI maps it to the dataset's ids).</summary>
public sealed record CocoResult(
    [property: JsonPropertyName("image_id")] string ImageId,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("segmentation")] CocoRle Segmentation,
    [property: JsonPropertyName("bbox")] IReadOnlyList<double> Bbox,
    [property: JsonPropertyName("score")] double Score);
