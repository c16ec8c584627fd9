using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.CropBuilder.Geometry;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.CropBuilder;

/// <summary>
/// Cuts one object-centred crop and mask per kept instance of a normalized document and writes them, with the
/// image's manifest, under deterministic keys. The image is decoded once; each mask is decoded only inside its
/// own window, never at full image size.
/// </summary>
public sealed class ImageCropper(IBlobStore store, IOptions<CropBuilderOptions> options, ILogger<ImageCropper> logger)
{
    public const string SkippedCrowd = "crowd";
    public const string SkippedTooSmall = "too-small";

    private readonly CropBuilderOptions _options = options.Value;

    /// <summary>Reads the message's normalized document and image, writes crops, masks and manifest, and says what was emitted.</summary>
    public async Task<CropsEmitted> CropAsync(AnnotationNormalized message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var document = await store.GetJsonAsync<AnnotationDocument>(message.DocumentKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!string.Equals(document.ImageKey, message.ImageKey, StringComparison.Ordinal))
            throw new InvalidDataException($"Document '{message.DocumentKey}' is for image '{document.ImageKey}' but the message names '{message.ImageKey}'.");
        if (document.TaxonomyVersion is { } version && !string.Equals(version, message.TaxonomyVersion, StringComparison.Ordinal))
            throw new InvalidDataException($"Document '{message.DocumentKey}' was normalized by taxonomy {version} but the message says {message.TaxonomyVersion}.");

        var result = await CropDocumentAsync(document, message.TaxonomyVersion, message.Domain, cancellationToken).ConfigureAwait(false);
        return new CropsEmitted
        {
            TaskId = message.TaskId,
            Domain = message.Domain,
            ImageKey = message.ImageKey,
            TaxonomyVersion = message.TaxonomyVersion,
            ManifestKey = result.ManifestKey,
            CropKeys = result.Rows.Select(r => r.CropKey).ToArray(),
            SkippedCounts = result.SkippedCounts,
        };
    }

    /// <summary>Crops every kept instance of <paramref name="document"/> (its image read from the store) and writes the results.</summary>
    public async Task<ImageCropResult> CropDocumentAsync(AnnotationDocument document, string taxonomyVersion, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(taxonomyVersion);
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        var provenance = document.Provenance;
        var imageBytes = await store.GetBytesAsync(document.ImageKey, cancellationToken).ConfigureAwait(false);

        var rows = new List<CropManifestRow>(document.Instances.Count);
        var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal) { [SkippedCrowd] = 0, [SkippedTooSmall] = 0 };
        using (var image = Decode(imageBytes, document))
        {
            imageBytes = null; // the encoded image is not needed once decoded
            foreach (var instance in document.Instances)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var cut = Cut(image, document, instance, taxonomyVersion, domain);
                if (cut.SkipReason is { } reason)
                {
                    skipped[reason]++;
                    Log.InstanceSkipped(logger, provenance.TaskId, instance.Id, reason);
                    continue;
                }
                var row = cut.Row!;
                await store.PutBytesAsync(row.CropKey, cut.Jpeg, "image/jpeg", cancellationToken).ConfigureAwait(false);
                await store.PutBytesAsync(row.MaskKey, cut.Png, "image/png", cancellationToken).ConfigureAwait(false);
                rows.Add(row);
            }
        }

        var manifestKey = CropKeys.Manifest(taxonomyVersion, provenance.Customer, provenance.Project, provenance.TaskId);
        await store.PutBytesAsync(manifestKey, WriteManifest(rows), "application/x-ndjson", cancellationToken).ConfigureAwait(false);
        Log.CropsWritten(logger, provenance.TaskId, rows.Count, skipped[SkippedCrowd], skipped[SkippedTooSmall], manifestKey);
        return new ImageCropResult(manifestKey, rows, skipped);
    }

    /// <summary>The JSON-lines bytes of a manifest (one compact row per line, in instance order).</summary>
    public static byte[] WriteManifest(IEnumerable<CropManifestRow> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
            text.Append(JsonSerializer.Serialize(row, JsonDefaults.Options)).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads a JSON-lines manifest; a malformed line is an <see cref="InvalidDataException"/> naming the line.</summary>
    public static IReadOnlyList<CropManifestRow> ReadManifest(ReadOnlySpan<byte> bytes, string key)
    {
        var rows = new List<CropManifestRow>();
        var lineNumber = 0;
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            try
            {
                rows.Add(JsonSerializer.Deserialize<CropManifestRow>(line, JsonDefaults.Options)
                         ?? throw new InvalidDataException($"Manifest '{key}' line {lineNumber} is JSON null."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Manifest '{key}' line {lineNumber} is not a crop row: {e.Message}", e);
            }
        }
        return rows;
    }

    private Image Decode(byte[] bytes, AnnotationDocument document)
    {
        var image = ImageCodec.Decode(bytes, new DecodeOptions { MaxPixels = _options.MaxImagePixels, Mode = DecodeMode.Color });
        if (image.Width != document.Width || image.Height != document.Height)
        {
            var (w, h) = (image.Width, image.Height);
            image.Dispose();
            throw new InvalidDataException(
                $"Image '{document.ImageKey}' is {w}x{h} but its document says {document.Width}x{document.Height} (width x height).");
        }
        return image;
    }

    private Cut Cut(Image image, AnnotationDocument document, AnnotationInstance instance, string taxonomyVersion, string domain)
    {
        if (instance.IsCrowd)
            return new Cut(SkippedCrowd);
        var rle = RleMask.FromContract(instance.Rle);
        if (rle.Width != image.Width || rle.Height != image.Height)
            throw new InvalidDataException(
                $"Instance '{instance.Id}' of '{document.ImageKey}' has a {rle.Width}x{rle.Height} mask on a {image.Width}x{image.Height} image (width x height).");
        var area = rle.Area;
        var rleBox = rle.Bbox;
        if (area < _options.MinArea || rleBox.Width < _options.MinSide || rleBox.Height < _options.MinSide)
            return new Cut(SkippedTooSmall);

        var provenance = document.Provenance;
        var cropId = CropKeys.CropId(provenance.Customer, provenance.Project, provenance.TaskId, instance.Id);
        var box = new Rect(rleBox.X, rleBox.Y, rleBox.Width, rleBox.Height);
        var padding = CropPadding.Draw(cropId, _options.PaddingMin, _options.PaddingMax).ToPixels(box);
        // The centre comes from the runs themselves; the mask is decoded once, inside the window, straight into the
        // PNG's rows from a pooled buffer (large objects would otherwise leave window-sized arrays on the LOH).
        var window = CropWindow.Compute(box, CentrePixel.Find(rle, box), padding, image.Width, image.Height);
        byte[] jpeg, png;
        using (var crop = image.Crop(window.Window, _options.PadValue))
            jpeg = crop.EncodeJpeg(_options.JpegQuality);
        var (ww, wh) = (window.Window.Width, window.Window.Height);
        var rowsLength = checked((ww + 1) * wh);
        var buffer = ArrayPool<byte>.Shared.Rent(rowsLength);
        try
        {
            var rows = buffer.AsSpan(0, rowsLength);
            rows[0] = 0; // the first row's filter byte; DecodeInto clears the rest, the later filter bytes included
            RleWindow.DecodeInto(rle, window.Window, rows[1..], ww + 1, 255);
            png = MaskPng.EncodeRows(rows, ww, wh, _options.PngCompression switch
            {
                0 => System.IO.Compression.CompressionLevel.NoCompression,
                <= 3 => System.IO.Compression.CompressionLevel.Fastest,
                <= 6 => System.IO.Compression.CompressionLevel.Optimal,
                _ => System.IO.Compression.CompressionLevel.SmallestSize,
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var centre = window.Centre;

        var row = new CropManifestRow
        {
            CropId = cropId,
            CropKey = CropKeys.Crop(taxonomyVersion, domain, instance.ClassName, cropId),
            MaskKey = CropKeys.Mask(taxonomyVersion, domain, instance.ClassName, cropId),
            SourceImageKey = document.ImageKey,
            InstanceId = instance.Id,
            ClassName = instance.ClassName,
            SourceClassName = instance.SourceClassName,
            Domain = domain,
            TaxonomyVersion = taxonomyVersion,
            Customer = provenance.Customer,
            Project = provenance.Project,
            TaskId = provenance.TaskId,
            SourceFormat = provenance.SourceFormat,
            SourceWidth = image.Width,
            SourceHeight = image.Height,
            Bbox = PixelBox.From(box),
            Centre = PixelPoint.From(centre),
            Window = PixelBox.From(window.Window),
            Padding = padding,
            ValidRegion = PixelBox.From(window.ValidRegion),
            CropWidth = window.Window.Width,
            CropHeight = window.Window.Height,
            Area = area,
        };
        return new Cut(null, row, jpeg, png);
    }
}

/// <summary>What <see cref="ImageCropper"/> wrote for one image: the manifest key, its rows, and skipped instances by reason.</summary>
public sealed record ImageCropResult(string ManifestKey, IReadOnlyList<CropManifestRow> Rows, IReadOnlyDictionary<string, int> SkippedCounts);

internal readonly record struct Cut(string? SkipReason, CropManifestRow? Row = null, byte[]? Jpeg = null, byte[]? Png = null);
