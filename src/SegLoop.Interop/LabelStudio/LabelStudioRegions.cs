using System.Text.Json;
using SegLoop.Vision.Coco;

namespace SegLoop.Interop.LabelStudio;

/// <summary>The control and object tag names a result refers to (from_name, to_name), as the labeling config names them.</summary>
public sealed record LsNames(string Polygon = "polygon", string Brush = "brush", string Rectangle = "rectangle", string Image = "image");

/// <summary>A region read back from Label Studio, in pixels: polygons (polygonlabels, rectanglelabels) or a mask (brushlabels).</summary>
public sealed record LsRegion(string Id, string Type, string Label, int Width, int Height)
{
    public IReadOnlyList<double[]>? Polygons { get; init; }

    /// <summary>Row-major, 1 inside.</summary>
    public byte[]? Mask { get; init; }
}

/// <summary>Objects to Label Studio results and back: polygons in percent of the image, masks as brush RLE.</summary>
public static class LabelStudioRegions
{
    public const string PolygonLabels = "polygonlabels";
    public const string BrushLabels = "brushlabels";
    public const string RectangleLabels = "rectanglelabels";
    public const string KeyPointLabels = "keypointlabels";

    /// <summary>
    /// The result for one object: polygonlabels when it was drawn as one polygon (a Label Studio polygon is one ring),
    /// brushlabels (its exact mask) for several rings, holes or RLE masks.
    /// </summary>
    public static LsResult ToResult(InteropObject item, int width, int height, LsNames names)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(names);
        return item.Polygons is [var ring]
            ? Polygon(item.Id, item.ClassName, ring, width, height, names, item.Score)
            : Brush(item.Id, item.ClassName, item.Mask.Decode(), width, height, names, item.Score);
    }

    /// <summary>A polygonlabels result from a flat pixel ring.</summary>
    public static LsResult Polygon(string id, string label, double[] ring, int width, int height, LsNames names, double? score = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var points = new double[ring.Length / 2][];
        for (var i = 0; i < points.Length; i++)
            points[i] = [ring[2 * i] / width * 100, ring[(2 * i) + 1] / height * 100];
        return new LsResult
        {
            Id = id, Type = PolygonLabels, FromName = names.Polygon, ToName = names.Image,
            OriginalWidth = width, OriginalHeight = height, ImageRotation = 0, Score = score,
            Value = new LsValue { Points = points, Closed = true, Polygonlabels = [label] },
        };
    }

    /// <summary>A brushlabels result from a row-major mask, encoded as label-studio-converter's <c>mask2rle</c>.</summary>
    public static LsResult Brush(string id, string label, ReadOnlySpan<byte> mask, int width, int height, LsNames names, double? score = null)
    {
        var rle = BrushRle.EncodeMask(mask, width, height);
        return new LsResult
        {
            Id = id, Type = BrushLabels, FromName = names.Brush, ToName = names.Image,
            OriginalWidth = width, OriginalHeight = height, ImageRotation = 0, Score = score,
            Value = new LsValue { Format = "rle", Rle = Array.ConvertAll(rle, b => (int)b), Brushlabels = [label] },
        };
    }

    /// <summary>
    /// A region in pixels, or null for a result type that holds no shape SegLoop keeps (choices, text, keypoints).
    /// Throws <see cref="FormatException"/> naming what is wrong with a shape it does read.
    /// </summary>
    public static LsRegion? Read(LsResult result, int index)
    {
        ArgumentNullException.ThrowIfNull(result);
        var type = result.Type?.ToLowerInvariant();
        if (type is not (PolygonLabels or BrushLabels or RectangleLabels))
            return null;
        var id = string.IsNullOrEmpty(result.Id) ? $"result-{index}" : result.Id;
        if (result.OriginalWidth is not > 0 || result.OriginalHeight is not > 0)
            throw new FormatException($"Result '{id}' ({type}) has no positive original_width and original_height.");
        var (w, h) = (result.OriginalWidth.Value, result.OriginalHeight.Value);
        var value = result.Value ?? throw new FormatException($"Result '{id}' ({type}) has no value.");
        var label = value.AnyLabels is [var first, ..] && !string.IsNullOrWhiteSpace(first)
            ? first
            : throw new FormatException($"Result '{id}' ({type}) has no label in value.{type}.");
        switch (type)
        {
            case PolygonLabels:
                var points = value.Points ?? throw new FormatException($"Result '{id}' (polygonlabels) has no value.points.");
                var ring = new double[points.Count * 2];
                for (var i = 0; i < points.Count; i++)
                {
                    if (points[i] is not { Length: 2 } p)
                        throw new FormatException($"Result '{id}' (polygonlabels) point {i} is not an [x, y] pair.");
                    ring[2 * i] = ToPixels(p[0], w);
                    ring[(2 * i) + 1] = ToPixels(p[1], h);
                }
                return new LsRegion(id, type, label, w, h) { Polygons = [ring] };
            case RectangleLabels:
                if (value is not { X: { } x, Y: { } y, Width: { } bw, Height: { } bh })
                    throw new FormatException($"Result '{id}' (rectanglelabels) needs value.x, y, width and height.");
                return new LsRegion(id, type, label, w, h) { Polygons = [Rectangle(x, y, bw, bh, value.Rotation ?? 0, w, h)] };
            default:
                if (value.Rle is not { Length: > 0 } rle || (value.Format is { } f && !f.Equals("rle", StringComparison.OrdinalIgnoreCase)))
                    throw new FormatException($"Result '{id}' (brushlabels) has no value.rle in format \"rle\".");
                var bytes = new byte[rle.Length];
                for (var i = 0; i < rle.Length; i++)
                {
                    if (rle[i] is < 0 or > 255)
                        throw new FormatException($"Result '{id}' (brushlabels) rle value {i} is {rle[i]}, not a byte.");
                    bytes[i] = (byte)rle[i];
                }
                return new LsRegion(id, type, label, w, h) { Mask = BrushRle.DecodeMask(bytes, w, h) };
        }
    }

    /// <summary>
    /// A percent coordinate back in pixels, to 12 significant digits: percent and back is not exact in binary floating
    /// point (123.45 comes back as 123.45000000000002), and pycocotools' rasteriser rounds x * 5, so a pixel coordinate
    /// with one or two decimals would land on the other side of a .5 and change the mask. 12 digits are a hundred
    /// millionth of a pixel on a 10000-pixel image, far below what a drawing tool holds.
    /// </summary>
    public static double ToPixels(double percent, int size) =>
        double.Parse((percent * size / 100).ToString("G12", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The four corners in pixels of a rectangle given in percent, rotated by <paramref name="degrees"/> (clockwise) about its top-left corner, as Label Studio draws it.</summary>
    public static double[] Rectangle(double x, double y, double width, double height, double degrees, int imageWidth, int imageHeight)
    {
        var (x0, y0) = (x * imageWidth / 100, y * imageHeight / 100);
        var (bw, bh) = (width * imageWidth / 100, height * imageHeight / 100);
        var (sin, cos) = Math.SinCos(degrees * Math.PI / 180);
        double[] corners = [0, 0, bw, 0, bw, bh, 0, bh];
        var ring = new double[8];
        for (var i = 0; i < 4; i++)
        {
            var (cx, cy) = (corners[2 * i], corners[(2 * i) + 1]);
            ring[2 * i] = x0 + (cx * cos) - (cy * sin);
            ring[(2 * i) + 1] = y0 + (cx * sin) + (cy * cos);
        }
        return ring;
    }

    /// <summary>Label Studio tasks for <paramref name="images"/>: one task per image, its objects as annotations or as predictions.</summary>
    public static IReadOnlyList<LsTask> ToTasks(IEnumerable<InteropImage> images, Func<InteropImage, string> imageUrl, LsNames names,
        bool asPredictions = false, string? modelVersion = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(imageUrl);
        var tasks = new List<LsTask>();
        foreach (var image in images)
        {
            var results = image.Objects.Select(o => ToResult(o, image.Width, image.Height, names)).ToList();
            var scores = image.Objects.Where(o => o.Score is not null).Select(o => o.Score!.Value).ToList();
            var annotation = new LsAnnotation
            {
                Result = results,
                ModelVersion = asPredictions ? modelVersion ?? "segloop" : null,
                Score = asPredictions && scores.Count > 0 ? scores.Average() : null,
            };
            tasks.Add(new LsTask
            {
                Data = new Dictionary<string, JsonElement> { [names.Image] = JsonSerializer.SerializeToElement(imageUrl(image)) },
                Annotations = asPredictions ? null : [annotation],
                Predictions = asPredictions ? [annotation] : null,
            });
        }
        return tasks;
    }

    /// <summary>A labeling config for these classes with polygon, brush and rectangle tools on one image (what the tasks above refer to).</summary>
    public static string LabelConfig(IEnumerable<string> classNames, LsNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var labels = string.Concat(classNames.Distinct(StringComparer.Ordinal).Select(c => $"\n    <Label value=\"{System.Security.SecurityElement.Escape(c)}\"/>"));
        return $"""
            <View>
              <Image name="{names.Image}" value="${names.Image}" zoom="true"/>
              <PolygonLabels name="{names.Polygon}" toName="{names.Image}">{labels}
              </PolygonLabels>
              <BrushLabels name="{names.Brush}" toName="{names.Image}">{labels}
              </BrushLabels>
              <RectangleLabels name="{names.Rectangle}" toName="{names.Image}">{labels}
              </RectangleLabels>
            </View>
            """;
    }

    /// <summary>The object of <paramref name="region"/>: polygons as they are (rasterised as COCO does), masks as their RLE.</summary>
    public static InteropObject ToObject(LsRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var mask = region.Polygons is { } polygons
            ? RleMask.FromPolygons(polygons, region.Height, region.Width)
            : RleMask.Encode(region.Mask, region.Height, region.Width);
        return new InteropObject(region.Id, region.Label, mask) { Polygons = region.Polygons };
    }
}
