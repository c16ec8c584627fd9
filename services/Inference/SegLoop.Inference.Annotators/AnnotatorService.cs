using System.Text.Json;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Interop.LabelStudio;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.Inference.Annotators;

/// <summary>
/// The work behind the endpoints, testable without HTTP: Label Studio tasks (with the annotator's rectangle and
/// keypoints as context, or the task's own rectangles) and CVAT clicks become prompts for the segmenter; masks go
/// back as brushlabels (Label Studio's brush RLE) and polygonlabels (largest outline, points in percent), scored
/// with the mean probability inside the mask.
/// </summary>
public sealed class AnnotatorService(IBlobStore store, AnnotatorSegmenter segmenters, IOptions<AnnotatorsOptions> options)
{
    public async Task<string> ModelVersionAsync(CancellationToken cancellationToken)
    {
        var segmenter = await segmenters.GetAsync(cancellationToken).ConfigureAwait(false);
        return $"segloop-{segmenter.Model}-{segmenter.Version}";
    }

    /// <summary>One prediction per task: {result, score, model_version}.</summary>
    public async Task<IReadOnlyList<LsAnnotation>> PredictAsync(PredictRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = LabelConfig.Parse(request.LabelConfig);
        if (request.Tasks is not { Count: > 0 } tasks)
            throw new AnnotatorRequestException(400, "The body has no tasks.");
        var segmenter = await segmenters.GetAsync(cancellationToken).ConfigureAwait(false);
        var version = $"segloop-{segmenter.Model}-{segmenter.Version}";
        var context = request.Params?.Context?.Result is { Count: > 0 } c ? c : null;
        var predictions = new List<LsAnnotation>();
        foreach (var task in context is null ? tasks : tasks.Take(1))
        {
            using var image = await LoadAsync(ImageUrl(task, config), cancellationToken).ConfigureAwait(false);
            var prompts = context is not null ? [FromContext(context, image.Width, image.Height)] : FromTaskRectangles(task, image.Width, image.Height);
            var segmentations = prompts.Count == 0 ? [] : await segmenter.SegmentAsync(image, prompts, options.Value.Threshold, cancellationToken).ConfigureAwait(false);
            var results = new List<LsResult>();
            var scores = new List<double>();
            for (var i = 0; i < prompts.Count; i++)
            {
                var (mask, score) = (segmentations[i].Mask, segmentations[i].Score);
                if (mask.Area == 0)
                    continue;
                var label = prompts[i].Label ?? config.Labels.FirstOrDefault() ?? "object";
                var id = $"segloop-{i}";
                if (config.BrushName is { } brush)
                    results.Add(LabelStudioRegions.Brush(id, label, mask.Data, image.Width, image.Height, new LsNames(Brush: brush, Image: config.ImageName), score));
                if (config.PolygonName is { } polygon && LargestRing(mask) is { } ring)
                    results.Add(LabelStudioRegions.Polygon(id + "-polygon", label, ring, image.Width, image.Height, new LsNames(Polygon: polygon, Image: config.ImageName), score));
                scores.Add(score);
            }
            predictions.Add(new LsAnnotation { Result = results, Score = scores.Count > 0 ? scores.Average() : 0, ModelVersion = version });
        }
        return predictions;
    }

    /// <summary>CVAT: the mask (rows of 0/1, the image's size) and its largest outline as [x, y] points.</summary>
    public async Task<(int[][] Mask, double[][] Points)> InteractAsync(CvatInteractorRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Image))
            throw new AnnotatorRequestException(400, "The body has no \"image\" (the frame, base64).");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(request.Image);
        }
        catch (FormatException)
        {
            throw new AnnotatorRequestException(400, "\"image\" is not base64.");
        }
        using var image = Decode(bytes);
        var clicks = (request.PosPoints ?? []).Select(p => Point(p, true)).Concat((request.NegPoints ?? []).Select(p => Point(p, false))).ToList();
        BoundingBox? box = request.ObjBbox is [{ Length: 2 } a, { Length: 2 } b]
            ? new BoundingBox(Math.Min(a[0], b[0]), Math.Min(a[1], b[1]), Math.Abs(b[0] - a[0]), Math.Abs(b[1] - a[1]))
            : null;
        var prompt = new Prompt { Box = box ?? BoxAround(clicks, image.Width, image.Height), Clicks = clicks };
        var segmenter = await segmenters.GetAsync(cancellationToken).ConfigureAwait(false);
        var threshold = request.Threshold is >= 0 and <= 1 ? request.Threshold.Value : options.Value.Threshold;
        var mask = (await segmenter.SegmentAsync(image, [prompt], threshold, cancellationToken).ConfigureAwait(false))[0].Mask;
        var rows = new int[mask.Height][];
        for (var y = 0; y < mask.Height; y++)
        {
            rows[y] = new int[mask.Width];
            for (var x = 0; x < mask.Width; x++)
                rows[y][x] = mask[x, y] ? 1 : 0;
        }
        var ring = LargestRing(mask) ?? [];
        return (rows, Enumerable.Range(0, ring.Length / 2).Select(k => new[] { ring[2 * k], ring[(2 * k) + 1] }).ToArray());
    }

    private static Click Point(double[] p, bool positive) =>
        p is { Length: >= 2 } && double.IsFinite(p[0]) && double.IsFinite(p[1])
            ? new Click(p[0], p[1], positive)
            : throw new AnnotatorRequestException(400, "Every point is [x, y] in pixels.");

    /// <summary>The annotator's rectangle (a box) and keypoints (clicks) in pixels; the label is the last one chosen.</summary>
    private static Prompt FromContext(IReadOnlyList<LsResult> context, int width, int height)
    {
        BoundingBox? box = null;
        var clicks = new List<Click>();
        string? label = null;
        foreach (var r in context)
        {
            var v = r.Value ?? throw new AnnotatorRequestException(400, "A context result has no value.");
            label = v.AnyLabels?.FirstOrDefault() ?? label;
            switch (r.Type)
            {
                case LabelStudioRegions.RectangleLabels when v is { X: { } x, Y: { } y, Width: { } w, Height: { } h }:
                    box = new BoundingBox(x * width / 100, y * height / 100, w * width / 100, h * height / 100);
                    break;
                case LabelStudioRegions.KeyPointLabels when v is { X: { } x, Y: { } y }:
                    clicks.Add(new Click(x * width / 100, y * height / 100, r.IsPositive ?? true));
                    break;
                default:
                    throw new AnnotatorRequestException(400, $"Context results are rectanglelabels or keypointlabels with x and y; got '{r.Type}'.");
            }
        }
        return new Prompt { Box = box ?? BoxAround(clicks, width, height), Clicks = clicks, Label = label };
    }

    /// <summary>Whole-task pre-annotation: one prompt per rectangle of the task's last annotation (else its last prediction).</summary>
    private static IReadOnlyList<Prompt> FromTaskRectangles(LsTask task, int width, int height)
    {
        var source = task.Annotations?.LastOrDefault(a => !a.WasCancelled)?.Result ?? task.Predictions?.LastOrDefault()?.Result ?? [];
        return source.Where(r => r.Type == LabelStudioRegions.RectangleLabels && r.Value is { X: not null, Y: not null, Width: not null, Height: not null })
            .Select(r => new Prompt
            {
                Box = new BoundingBox(r.Value!.X!.Value * width / 100, r.Value.Y!.Value * height / 100, r.Value.Width!.Value * width / 100, r.Value.Height!.Value * height / 100),
                Label = r.Value.AnyLabels?.FirstOrDefault(),
            }).ToList();
    }

    /// <summary>Clicks without a box: a square around the positive clicks, 15% of the image's longer side on each side.</summary>
    private static BoundingBox BoxAround(IReadOnlyList<Click> clicks, int width, int height)
    {
        var positive = clicks.Where(c => c.Positive).ToList();
        if (positive.Count == 0)
            throw new AnnotatorRequestException(400, "Give a rectangle or at least one positive point.");
        var pad = 0.15 * Math.Max(width, height);
        var (x0, y0) = (Math.Max(0, positive.Min(c => c.X) - pad), Math.Max(0, positive.Min(c => c.Y) - pad));
        var (x1, y1) = (Math.Min(width, positive.Max(c => c.X) + pad), Math.Min(height, positive.Max(c => c.Y) + pad));
        return new BoundingBox(x0, y0, x1 - x0, y1 - y0);
    }

    private static double[]? LargestRing(Mask mask)
    {
        var outer = MaskOps.FindPolygons(mask, simplifyEpsilon: 1.0).Select(p => p.Outer).Where(r => r.Count >= 3)
            .OrderByDescending(r => Math.Abs(Area(r))).FirstOrDefault();
        return outer?.SelectMany(p => new double[] { p.X, p.Y }).ToArray();
    }

    private static double Area(IReadOnlyList<Point> ring)
    {
        double sum = 0;
        for (var i = 0; i < ring.Count; i++)
        {
            var (a, b) = (ring[i], ring[(i + 1) % ring.Count]);
            sum += ((double)a.X * b.Y) - ((double)b.X * a.Y);
        }
        return sum / 2;
    }

    private static string ImageUrl(LsTask task, LabelConfig config) =>
        task.Data is { } data && data.TryGetValue(config.DataKey, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new AnnotatorRequestException(400, $"A task has no data.{config.DataKey} (the labeling config's <Image value=\"${config.DataKey}\">).");

    /// <summary>
    /// The store key an image URL names: a key, <c>s3://bucket/key</c> or Label Studio's <c>/data/local-files/?d=key</c>,
    /// under Annotators:ImagePrefix. Anything else (another host, a path that climbs out) is refused: the backend
    /// reads only the store it serves.
    /// </summary>
    public string KeyOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var key = url;
        if (url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            key = url["s3://".Length..] is var rest && rest.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 ? rest[(slash + 1)..] : "";
        else if (url.IndexOf("/data/local-files/?d=", StringComparison.Ordinal) is var at and >= 0)
            key = Uri.UnescapeDataString(url[(at + "/data/local-files/?d=".Length)..]);
        var prefix = options.Value.ImagePrefix;
        try
        {
            if (key.Contains("://", StringComparison.Ordinal) || !key.StartsWith(prefix, StringComparison.Ordinal))
                throw new InvalidBlobKeyException(key, "not in the store");
            return BlobKey.Validate(key);
        }
        catch (InvalidBlobKeyException)
        {
            throw new AnnotatorRequestException(400, $"The image URL '{url}' is outside the allowed store: give a key under '{prefix}' (as is, as s3://bucket/key or as /data/local-files/?d=key).");
        }
    }

    private async Task<Image> LoadAsync(string url, CancellationToken cancellationToken)
    {
        var key = KeyOf(url);
        byte[] bytes;
        try
        {
            bytes = await store.GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            throw new AnnotatorRequestException(404, $"No image '{key}' in the store.");
        }
        return Decode(bytes);
    }

    private Image Decode(byte[] bytes)
    {
        try
        {
            return ImageCodec.Decode(bytes, new DecodeOptions { MaxPixels = options.Value.MaxImagePixels });
        }
        catch (VisionException e)
        {
            throw new AnnotatorRequestException(422, $"The image cannot be decoded: {e.Message}");
        }
    }
}
