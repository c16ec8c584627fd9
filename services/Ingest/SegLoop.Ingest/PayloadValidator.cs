using System.Text.Json;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision.Coco;
using static SegLoop.Ingest.RejectionCodes;

namespace SegLoop.Ingest;

/// <summary>
/// The checks a task passes before its image is read: required fields, safe keys, instance ids and each
/// instance's geometry on its own. Pure; the webhook answers 400 with what it finds, and
/// <see cref="IngestProcessor"/> runs it first.
/// </summary>
public static class PayloadValidator
{
    /// <summary>Every structural problem of <paramref name="payload"/>. With <paramref name="checkDeclaredSize"/>, geometry is also checked against a declared width/height.</summary>
    public static List<Rejection> Validate(TaskPayload payload, IngestOptions options, bool imageFromSource = false, bool checkDeclaredSize = true)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(options);
        var reasons = new List<Rejection>();
        RequireName(reasons, payload.TaskId, "taskId");
        RequireName(reasons, payload.Customer, "customer");
        RequireName(reasons, payload.Project, "project");
        RequireName(reasons, payload.Domain, "domain");
        if (string.IsNullOrWhiteSpace(payload.Image))
            reasons.Add(Of(MissingField, "The task has no image: give a storage key (or an http(s) URL when enabled).", "image"));
        else if (!imageFromSource)
        {
            CheckImageReference(reasons, payload.Image, options);
            CheckOwner(reasons, payload.Image, payload.Customer, "image", "image");
        }

        if (payload.Width is { } w && w <= 0 || payload.Height is { } h && h <= 0)
            reasons.Add(Of(InvalidField, $"The declared image size {payload.Width}x{payload.Height} (width x height) is not positive.", "width"));
        if (payload.Width.HasValue != payload.Height.HasValue)
            reasons.Add(Of(InvalidField, "Give both width and height, or neither.", payload.Width.HasValue ? "height" : "width"));

        if (payload.Instances is null)
        {
            reasons.Add(Of(MissingField, "The task has no \"instances\" list (an empty list is allowed).", "instances"));
            return reasons;
        }
        if (payload.Instances.Count > options.MaxInstances)
        {
            // Checked before any instance: a task over the limit costs no per-instance work and one reason.
            reasons.Add(Of(TooManyInstances, $"The task has {payload.Instances.Count} instances; at most {options.MaxInstances} are accepted (Ingest:MaxInstances).", "instances"));
            return reasons;
        }

        (int W, int H)? declared = checkDeclaredSize && payload.Width is > 0 && payload.Height is > 0 ? (payload.Width.Value, payload.Height.Value) : null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < payload.Instances.Count; i++)
        {
            var instance = payload.Instances[i];
            var item = $"instances[{i}]";
            if (instance is null)
            {
                reasons.Add(Of(MissingField, $"Instance {i} is null.", item));
                continue;
            }
            if (string.IsNullOrWhiteSpace(instance.Id))
                reasons.Add(Of(MissingField, $"Instance {i} has no id.", item));
            else
            {
                item = instance.Id;
                if (HasControl(instance.Id))
                    reasons.Add(Of(InvalidField, $"Instance {i}'s id holds control characters.", $"instances[{i}]"));
                else if (!seen.Add(instance.Id))
                    reasons.Add(Of(DuplicateInstanceId, $"Instance id '{instance.Id}' appears more than once; ids must be unique within a task.", item));
            }
            if (string.IsNullOrWhiteSpace(instance.ClassName))
                reasons.Add(Of(MissingField, $"Instance '{item}' has no className.", item));
            else if (HasControl(instance.ClassName))
                reasons.Add(Of(InvalidClassName, $"Instance '{item}' has a class name with control characters ({Printable(instance.ClassName)}).", item));
            CheckGeometry(reasons, instance, item, declared, options);
            if (instance.MaskKey is not null)
                CheckOwner(reasons, instance.MaskKey, payload.Customer, item, "maskKey");
        }
        return reasons;
    }

    /// <summary>
    /// Refuses a key that names another customer's stored data (images/{other}/..., annotations/.../{other}/...,
    /// incoming/{other}/...): a task reads only its own customer's objects, or objects outside those layouts.
    /// </summary>
    private static void CheckOwner(List<Rejection> reasons, string key, string? customer, string item, string field)
    {
        if (string.IsNullOrWhiteSpace(customer) || HasControl(customer) || customer.Trim().Trim('.').Length == 0)
            return; // the customer itself is refused
        if (IngestKeys.CustomerSegmentOf(key) is { } owner && !string.Equals(owner, AnnotationKeys.Segment(customer), StringComparison.Ordinal))
            reasons.Add(Of(OtherCustomersKey, $"The {field} key '{Printable(key)}' is stored data of another customer; a task of '{Printable(customer.Trim())}' may only read its own.", item));
    }

    /// <summary>Geometry problems of one instance; with <paramref name="size"/>, also bounds and RLE size against that image size.</summary>
    internal static void CheckGeometry(List<Rejection> reasons, PayloadInstance instance, string item, (int W, int H)? size, IngestOptions options)
    {
        var forms = (instance.Polygons is not null ? 1 : 0) + (instance.Rle is not null ? 1 : 0) + (instance.MaskKey is not null ? 1 : 0);
        if (forms != 1)
        {
            reasons.Add(Of(UnknownMaskFormat, forms == 0
                ? $"Instance '{item}' has no mask: give exactly one of polygons, rle or maskKey."
                : $"Instance '{item}' gives {forms} mask forms; give exactly one of polygons, rle or maskKey.", item));
            return;
        }
        if (instance.Polygons is { } polygons)
            CheckPolygons(reasons, polygons, item, size, options);
        else if (instance.Rle is { } rle)
            CheckRle(reasons, rle, item, size);
        else
            CheckKey(reasons, instance.MaskKey!, item, "maskKey");
    }

    private static void CheckPolygons(List<Rejection> reasons, IReadOnlyList<double[]?> polygons, string item, (int W, int H)? size, IngestOptions options)
    {
        if (polygons.Count == 0)
        {
            reasons.Add(Of(PolygonTooFewPoints, $"Instance '{item}' has an empty polygon list.", item));
            return;
        }
        for (var p = 0; p < polygons.Count; p++)
        {
            var xy = polygons[p];
            if (xy is null || xy.Length % 2 != 0)
            {
                reasons.Add(Of(PolygonMalformed, $"Instance '{item}' polygon {p} is {(xy is null ? "null" : $"{xy.Length} numbers")}; a polygon is a flat x0,y0,x1,y1,... list of an even count.", item));
                continue;
            }
            if (xy.Length < 6)
            {
                reasons.Add(Of(PolygonTooFewPoints, $"Instance '{item}' polygon {p} has {xy.Length / 2} point(s); a polygon needs at least 3.", item));
                continue;
            }
            var bad = Array.FindIndex(xy, v => !double.IsFinite(v));
            if (bad >= 0)
            {
                reasons.Add(Of(NonFiniteCoordinates, $"Instance '{item}' polygon {p} has the non-finite coordinate {xy[bad]} at index {bad}.", item));
                continue;
            }
            if (size is { } s)
            {
                double mx = s.W * options.OutOfBoundsMargin, my = s.H * options.OutOfBoundsMargin;
                for (var i = 0; i < xy.Length; i += 2)
                {
                    if (xy[i] < -mx || xy[i] > s.W + mx || xy[i + 1] < -my || xy[i + 1] > s.H + my)
                    {
                        reasons.Add(Of(CoordinatesOutOfBounds,
                            $"Instance '{item}' polygon {p} has the point ({xy[i]}, {xy[i + 1]}), more than {options.OutOfBoundsMargin:P0} outside the {s.W}x{s.H} image.", item));
                        break;
                    }
                }
            }
        }
    }

    private static void CheckRle(List<Rejection> reasons, PayloadRle rle, string item, (int W, int H)? size)
    {
        if (rle.Size is not { Count: 2 } dims || dims[0] < 0 || dims[1] < 0)
        {
            reasons.Add(Of(RleMalformed, $"Instance '{item}' RLE size must be [height, width] of two non-negative integers.", item));
            return;
        }
        int h = dims[0], w = dims[1];
        long sum;
        switch (rle.Counts.ValueKind)
        {
            case JsonValueKind.String:
                uint[] counts;
                try
                {
                    counts = RleMask.ParseCompressedCounts(rle.Counts.GetString()!);
                }
                catch (CocoMaskException e)
                {
                    reasons.Add(Of(RleMalformed, $"Instance '{item}': {e.Message}", item));
                    return;
                }
                sum = counts.Sum(c => (long)c);
                break;
            case JsonValueKind.Array:
                sum = 0;
                foreach (var c in rle.Counts.EnumerateArray())
                {
                    if (c.ValueKind != JsonValueKind.Number || !c.TryGetInt64(out var v) || v < 0 || v > uint.MaxValue)
                    {
                        reasons.Add(Of(RleMalformed, $"Instance '{item}' RLE counts hold {c}; counts are non-negative integers.", item));
                        return;
                    }
                    sum += v;
                }
                break;
            default:
                reasons.Add(Of(UnknownMaskFormat, $"Instance '{item}' RLE counts are a {rle.Counts.ValueKind}; use a compressed string or a list of run lengths.", item));
                return;
        }
        if (sum != (long)h * w)
            reasons.Add(Of(RleCountsMismatch, $"Instance '{item}' RLE counts sum to {sum} but its size {h}x{w} (height x width) has {(long)h * w} pixels.", item));
        if (size is { } s && (s.W != w || s.H != h))
            reasons.Add(Of(RleSizeMismatch, $"Instance '{item}' RLE size is {h}x{w} (height x width) but the image is {s.H}x{s.W}.", item));
    }

    internal static bool IsUrl(string image) =>
        image.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || image.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static void CheckImageReference(List<Rejection> reasons, string image, IngestOptions options)
    {
        if (IsUrl(image))
        {
            if (!options.AllowImageUrls)
                reasons.Add(Of(ImageUrlsDisabled, "image URLs are disabled (Ingest:AllowImageUrls is off); store the image and give its storage key.", "image"));
            else if (!Uri.TryCreate(image, UriKind.Absolute, out _))
                reasons.Add(Of(InvalidImageReference, $"The image URL '{Printable(image)}' is not a valid absolute URL.", "image"));
            return;
        }
        if (image.Contains("://", StringComparison.Ordinal))
        {
            reasons.Add(Of(InvalidImageReference, $"The image '{Printable(image)}' uses an unsupported scheme; give a storage key or an http(s) URL.", "image"));
            return;
        }
        CheckKey(reasons, image, "image", "image");
    }

    internal static void CheckKey(List<Rejection> reasons, string key, string item, string field)
    {
        try
        {
            BlobKey.Validate(key);
        }
        catch (InvalidBlobKeyException e)
        {
            reasons.Add(Of(UnsafeKey, $"The {field} key '{Printable(key)}' is refused: {e.Problem}.", item));
        }
    }

    private static void RequireName(List<Rejection> reasons, string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            reasons.Add(Of(MissingField, $"The task has no {field}.", field));
        else if (HasControl(value))
            reasons.Add(Of(InvalidField, $"The {field} '{Printable(value)}' holds control characters.", field));
        else if (value.Length > 200)
            reasons.Add(Of(InvalidField, $"The {field} is {value.Length} characters long; at most 200 are allowed.", field));
        else if (value.Trim().Trim('.').Length == 0)
            reasons.Add(Of(InvalidField, $"The {field} '{value}' is made only of dots.", field));
    }

    private static bool HasControl(string value) => value.Any(char.IsControl);

    /// <summary>A value for a rejection's sentence: control characters written as \uXXXX, so a reason never breaks a log line.</summary>
    public static string Printable(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
}
