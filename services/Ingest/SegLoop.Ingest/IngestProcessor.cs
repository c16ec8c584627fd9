using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;
using static SegLoop.Ingest.RejectionCodes;

namespace SegLoop.Ingest;

/// <summary>
/// The one validation and normalisation pipeline every entry point uses (webhook consumer, CLI importers):
/// checks a task, reads and decodes its image, turns every instance into an RLE in image coordinates and
/// stores the image and the canonical <see cref="AnnotationDocument"/> under deterministic keys, so the same
/// task again rewrites the same bytes. A bad task is an outcome (<see cref="AnnotationRejected"/> naming every
/// reason), not an exception; storage failures other than a missing input do throw.
/// </summary>
public sealed class IngestProcessor(IBlobStore store, IOptions<IngestOptions> options, IHttpClientFactory httpClients, ILogger<IngestProcessor> logger)
{
    public const string HttpClientName = "segloop-ingest-images";

    public async Task<IngestOutcome> ProcessAsync(IngestRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var o = options.Value;
        var payload = request.Payload;
        var reasons = new List<Rejection>(request.ImportProblems);
        reasons.AddRange(PayloadValidator.Validate(payload, o, imageFromSource: request.ImageSource is not null, checkDeclaredSize: false));

        byte[]? imageBytes = null;
        ImageHeader header = default;
        // Over Ingest:MaxInstances: refused as it is, without reading the image or looking at any instance.
        var tooMany = reasons.Any(r => r.Code == TooManyInstances);
        if (!tooMany && !string.IsNullOrWhiteSpace(payload.Image) && !reasons.Any(r => r.Item == "image"))
        {
            imageBytes = await LoadImageAsync(request, reasons, o, cancellationToken).ConfigureAwait(false);
            // The header first: the pixel budget is checked from it, before the image or any mask is decoded.
            if (imageBytes is not null && (!TryReadHeader(imageBytes, reasons, out header) || !WithinPixelBudget(payload, header, reasons, o)
                                           || !TryDecode(imageBytes, reasons, o)))
                imageBytes = null;
        }

        var instances = new List<AnnotationInstance>();
        var masks = new Dictionary<string, MaskResult>(StringComparer.Ordinal);
        if (imageBytes is not null)
        {
            if (payload.Width is { } dw && payload.Height is { } dh && (dw != header.Width || dh != header.Height))
                reasons.Add(Of(ImageSizeMismatch, $"The task says the image is {dw}x{dh} (width x height) but it decodes as {header.Width}x{header.Height}.", "image"));
            for (var i = 0; i < (payload.Instances?.Count ?? 0); i++)
            {
                if (payload.Instances![i] is not { } instance)
                    continue;
                var item = string.IsNullOrWhiteSpace(instance.Id) ? $"instances[{i}]" : instance.Id;
                var geometry = new List<Rejection>();
                PayloadValidator.CheckGeometry(geometry, instance, item, (header.Width, header.Height), o);
                // Structural problems are already listed; only the checks that needed the image size are new.
                reasons.AddRange(geometry.Where(r => r.Code is CoordinatesOutOfBounds or RleSizeMismatch));
                if (geometry.Count > 0)
                    continue;
                var rle = await RasteriseAsync(instance, item, header, reasons, o, masks, cancellationToken).ConfigureAwait(false);
                if (rle is null)
                    continue;
                if (rle.Area == 0)
                {
                    reasons.Add(Of(EmptyMask, $"Instance '{item}' covers no pixel of the {header.Width}x{header.Height} image.", item));
                    continue;
                }
                var box = rle.Bbox;
                instances.Add(new AnnotationInstance
                {
                    Id = instance.Id!,
                    ClassName = instance.ClassName?.Trim() ?? "",
                    Rle = rle.ToContract(),
                    Area = rle.Area,
                    Bbox = new BoundingBox(box.X, box.Y, box.Width, box.Height),
                    IsCrowd = instance.IsCrowd,
                });
            }
        }

        if (reasons.Count > 0 || imageBytes is null)
        {
            var rejected = Rejections.Create(payload.TaskId, payload.Customer, payload.Project, request.EntryPoint, reasons);
            Log.TaskRejected(logger, rejected.TaskId, request.EntryPoint, string.Join(", ", reasons.Select(r => r.Code).Distinct()));
            return new IngestOutcome { Rejected = rejected };
        }

        var (customer, project, taskId, domain) = (payload.Customer!.Trim(), payload.Project!.Trim(), payload.TaskId!.Trim(), payload.Domain!.Trim());
        var extension = header.Format == ImageFormat.Png ? ".png" : ".jpg";
        var imageKey = AnnotationKeys.Image(customer, project, taskId, extension);
        if (request.ImageSource is not null || !string.Equals(payload.Image, imageKey, StringComparison.Ordinal))
            await store.PutBytesAsync(imageKey, imageBytes, header.Format == ImageFormat.Png ? "image/png" : "image/jpeg", cancellationToken).ConfigureAwait(false);

        var document = new AnnotationDocument
        {
            ImageKey = imageKey,
            Width = header.Width,
            Height = header.Height,
            FullScene = payload.FullScene,
            Provenance = new Provenance { Customer = customer, Project = project, Domain = domain, SourceFormat = request.SourceFormat, TaskId = taskId },
            Instances = instances,
        };
        var documentKey = AnnotationKeys.Ingested(customer, project, taskId);
        await store.PutJsonAsync(documentKey, document, JsonDefaults.Options, cancellationToken).ConfigureAwait(false);
        Log.TaskIngested(logger, taskId, customer, project, instances.Count, documentKey);
        return new IngestOutcome
        {
            Ingested = new AnnotationIngested
            {
                TaskId = taskId,
                Customer = customer,
                Project = project,
                Domain = domain,
                ImageKey = imageKey,
                DocumentKey = documentKey,
                Width = header.Width,
                Height = header.Height,
                InstanceCount = instances.Count,
                FullScene = payload.FullScene,
            },
        };
    }

    private async Task<byte[]?> LoadImageAsync(IngestRequest request, List<Rejection> reasons, IngestOptions o, CancellationToken cancellationToken)
    {
        var name = request.Payload.Image!;
        try
        {
            if (request.ImageSource is { } source)
                return await source.ReadAsync(name, o.MaxImageBytes, cancellationToken).ConfigureAwait(false);
            if (PayloadValidator.IsUrl(name))
                return await DownloadAsync(name, reasons, o, cancellationToken).ConfigureAwait(false);
            await using var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
            return await ImageBytes.ReadLimitedAsync(stream, o.MaxImageBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidBlobKeyException e)
        {
            reasons.Add(Of(UnsafeKey, $"The image name '{PayloadValidator.Printable(name)}' is refused: {e.Problem}.", "image"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            reasons.Add(Of(ImageNotFound, $"The image '{name}' was not found{(request.ImageSource is { } s ? $" in {s.Description}" : " in storage")}.", "image"));
        }
        catch (ImageBytesLimitException e)
        {
            reasons.Add(Of(ImageTooLarge, e.Message, "image"));
        }
        catch (UnauthorizedAccessException)
        {
            reasons.Add(Of(ImageUnreadable, $"The image '{PayloadValidator.Printable(name)}' cannot be read: access is denied.", "image"));
        }
        catch (PathTooLongException)
        {
            reasons.Add(Of(UnsafeKey, $"The image name '{PayloadValidator.Printable(name)}' is refused: the path is too long for the file system.", "image"));
        }
        return null;
    }

    private async Task<byte[]?> DownloadAsync(string url, List<Rejection> reasons, IngestOptions o, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.ImageUrlTimeout);
        try
        {
            var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                reasons.Add(Of(ImageNotFound, $"The image URL '{url}' answered 404.", "image"));
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                reasons.Add(Of(ImageUnreadable, $"The image URL '{url}' answered {(int)response.StatusCode} {response.ReasonPhrase}.", "image"));
                return null;
            }
            if (response.Content.Headers.ContentLength is { } length && length > o.MaxImageBytes)
                throw new ImageBytesLimitException(length, o.MaxImageBytes);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return await ImageBytes.ReadLimitedAsync(body, o.MaxImageBytes, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            reasons.Add(Of(ImageUnreadable, $"The image URL '{url}' could not be downloaded: {e.Message}", "image"));
            return null;
        }
    }

    private static bool TryReadHeader(byte[] bytes, List<Rejection> reasons, out ImageHeader header)
    {
        header = default;
        if (bytes.Length == 0)
        {
            reasons.Add(Of(ImageUnreadable, "The image is empty (0 bytes).", "image"));
            return false;
        }
        try
        {
            header = ImageCodec.ReadHeader(bytes);
            return true;
        }
        catch (VisionException e)
        {
            reasons.Add(Of(ImageUnreadable, $"The image cannot be decoded: {e.Message}", "image"));
            return false;
        }
    }

    /// <summary>
    /// Ingest:MaxDecodedPixelsPerTask, from the image header and the payload alone: the image and each distinct mask
    /// (which must have the image's size, checked from its own header before it is decoded) are decoded once, so this is
    /// all the task can decode. Over it, nothing is decoded and no mask is read. An image over Ingest:MaxImagePixels is
    /// left to that check, which names it.
    /// </summary>
    private static bool WithinPixelBudget(TaskPayload payload, ImageHeader header, List<Rejection> reasons, IngestOptions o)
    {
        var imagePixels = (long)header.Width * header.Height;
        if (imagePixels > o.MaxImagePixels)
            return true;
        var masks = (payload.Instances ?? []).Where(i => i is { MaskKey: not null, Polygons: null, Rle: null })
            .Select(i => i!.MaskKey!).Distinct(StringComparer.Ordinal).Count();
        var total = imagePixels * (1 + masks);
        if (total <= o.MaxDecodedPixelsPerTask)
            return true;
        reasons.Add(Of(DecodedPixelsOverBudget,
            $"The task would decode {total} pixels: the {header.Width}x{header.Height} image and {masks} distinct mask{(masks == 1 ? "" : "s")} of its size; "
            + $"at most {o.MaxDecodedPixelsPerTask} are decoded per task (Ingest:MaxDecodedPixelsPerTask). Split the task, or give masks as polygons or RLE.", "instances"));
        return false;
    }

    /// <summary>Decodes the image once (its size is the header's: the decoder checks that) and drops the pixels.</summary>
    private static bool TryDecode(byte[] bytes, List<Rejection> reasons, IngestOptions o)
    {
        try
        {
            // Decoding it all is what finds truncated and corrupt scan data; the header alone would not.
            using var image = ImageCodec.Decode(bytes, new DecodeOptions { MaxPixels = o.MaxImagePixels, Mode = DecodeMode.Unchanged });
            return true;
        }
        catch (ImageTooLargeException e)
        {
            reasons.Add(Of(ImageTooLarge, $"The image is too large: {e.Message} (Ingest:MaxImagePixels is {o.MaxImagePixels}).", "image"));
        }
        catch (VisionException e)
        {
            reasons.Add(Of(ImageUnreadable, $"The image cannot be decoded: {e.Message}", "image"));
        }
        return false;
    }

    private async Task<RleMask?> RasteriseAsync(PayloadInstance instance, string item, ImageHeader header, List<Rejection> reasons, IngestOptions o,
        Dictionary<string, MaskResult> masks, CancellationToken cancellationToken)
    {
        try
        {
            if (instance.Polygons is { } polygons)
                return RleMask.FromPolygons(polygons.Select(p => p!).ToArray(), header.Height, header.Width);
            if (instance.Rle is { } rle)
            {
                return rle.Counts.ValueKind == JsonValueKind.String
                    ? RleMask.FromCompressedString(header.Height, header.Width, rle.Counts.GetString()!)
                    : RleMask.FromUncompressedCounts(header.Height, header.Width, rle.Counts.EnumerateArray().Select(c => c.GetInt64()).ToArray());
            }
            return await ReadMaskAsync(instance.MaskKey!, item, header, reasons, o, masks, cancellationToken).ConfigureAwait(false);
        }
        catch (CocoMaskException e)
        {
            reasons.Add(Of(instance.Polygons is not null ? PolygonMalformed : RleMalformed, $"Instance '{item}': {e.Message}", item));
            return null;
        }
    }

    /// <summary>
    /// The mask of <paramref name="key"/> as an RLE, read (at most Ingest:MaxMaskBytes) and decoded once per task however
    /// many instances name it; what is wrong with it becomes a reason for each instance that names it.
    /// </summary>
    private async Task<RleMask?> ReadMaskAsync(string key, string item, ImageHeader header, List<Rejection> reasons, IngestOptions o,
        Dictionary<string, MaskResult> masks, CancellationToken cancellationToken)
    {
        if (!masks.TryGetValue(key, out var result))
        {
            result = await DecodeMaskAsync(key, header, o, cancellationToken).ConfigureAwait(false);
            masks[key] = result;
        }
        if (result.Problem is { } problem)
            reasons.Add(Of(problem.Code, $"Instance '{item}' {problem.Detail}", item));
        return result.Mask;
    }

    private async Task<MaskResult> DecodeMaskAsync(string key, ImageHeader header, IngestOptions o, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            await using var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            bytes = await ImageBytes.ReadLimitedAsync(stream, o.MaxMaskBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return MaskResult.Failed(MaskNotFound, $"names the mask '{key}', which is not in storage.");
        }
        catch (InvalidBlobKeyException e)
        {
            return MaskResult.Failed(UnsafeKey, $"names the mask '{PayloadValidator.Printable(key)}', which is refused: {e.Problem}.");
        }
        catch (ImageBytesLimitException)
        {
            return MaskResult.Failed(MaskTooLarge, $"names the mask '{key}', which is over {o.MaxMaskBytes} bytes (Ingest:MaxMaskBytes).");
        }
        catch (UnauthorizedAccessException)
        {
            return MaskResult.Failed(MaskUnreadable, $"names the mask '{key}', which storage does not let Ingest read.");
        }
        try
        {
            // The size from the header: a mask of another size is refused undecoded (the pixel budget counts on it).
            var maskHeader = ImageCodec.ReadHeader(bytes);
            if (maskHeader.Width != header.Width || maskHeader.Height != header.Height)
                return MaskResult.Failed(MaskSizeMismatch, $"mask '{key}' is {maskHeader.Width}x{maskHeader.Height} but the image is {header.Width}x{header.Height}.");
            using var mask = ImageCodec.Decode(bytes, new DecodeOptions { MaxPixels = o.MaxImagePixels, Mode = DecodeMode.Unchanged });
            var pixels = mask.Pixels;
            var channels = mask.Channels;
            var set = new byte[mask.Width * mask.Height];
            for (var i = 0; i < set.Length; i++)
            {
                // Nonzero in any colour channel is the object; a fourth (alpha) channel does not count.
                for (var c = 0; c < Math.Min(channels, 3); c++)
                    set[i] |= pixels[(i * channels) + c];
            }
            return new MaskResult(RleMask.Encode(set, mask.Height, mask.Width), null);
        }
        catch (ImageTooLargeException e)
        {
            return MaskResult.Failed(MaskUnreadable, $"mask '{key}' is too large: {e.Message} (Ingest:MaxImagePixels is {o.MaxImagePixels}).");
        }
        catch (VisionException e)
        {
            return MaskResult.Failed(MaskUnreadable, $"mask '{key}' cannot be decoded as PNG/JPEG: {e.Message}");
        }
    }

    /// <summary>A decoded mask, or why there is none (the detail follows "Instance 'id' ").</summary>
    private sealed record MaskResult(RleMask? Mask, (string Code, string Detail)? Problem)
    {
        public static MaskResult Failed(string code, string detail) => new(null, (code, detail));
    }
}
