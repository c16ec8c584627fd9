using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using SegLoop.Vision.Coco;

namespace SegLoop.Interop.Cvat;

/// <summary>One image of a CVAT for images 1.1 file with its shapes.</summary>
public sealed record CvatImage(string Id, string Name, int Width, int Height, IReadOnlyList<CvatShape> Shapes);

/// <summary>
/// One shape in pixels: <see cref="Kind"/> polygon or box (a ring in <see cref="Ring"/>) or mask (the whole image's
/// row-major mask in <see cref="Mask"/>), or another kind SegLoop does not keep (polyline, points, ellipse...).
/// <see cref="Problem"/> names what made a polygon, box or mask unreadable.
/// </summary>
public sealed record CvatShape(string Kind, string Label, int Index)
{
    public double[]? Ring { get; init; }

    public byte[]? Mask { get; init; }

    public string? Problem { get; init; }
}

/// <summary>
/// "CVAT for images 1.1" XML. Polygons are <c>points="x0,y0;x1,y1;..."</c> in pixels; boxes <c>xtl ytl xbr ybr</c>
/// (with an optional <c>rotation</c> in degrees about the centre); masks CVAT's own RLE: comma-separated run lengths,
/// row-major over the box <c>left top width height</c>, the first run outside the object.
/// </summary>
public static class CvatXml
{
    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };

    /// <summary>Every image of the file; throws <see cref="FormatException"/> when the file is not CVAT for images XML.</summary>
    public static IReadOnlyList<CvatImage> Read(Stream xml)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(xml, ReaderSettings);
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new FormatException($"The CVAT file is not well-formed XML: {e.Message}", e);
        }
        var root = document.Root;
        if (root?.Name.LocalName != "annotations")
            throw new FormatException($"The CVAT file's root is <{root?.Name.LocalName}>, not <annotations> (export as \"CVAT for images 1.1\").");
        if (root.Elements("track").Any() && !root.Elements("image").Any())
            throw new FormatException("The CVAT file holds tracks (\"CVAT for video\"); export the task as \"CVAT for images 1.1\".");
        return root.Elements("image").Select(ReadImage).ToList();
    }

    private static CvatImage ReadImage(XElement image)
    {
        var name = (string?)image.Attribute("name") ?? "";
        var id = (string?)image.Attribute("id") ?? name;
        var width = IntOr((string?)image.Attribute("width"), 0);
        var height = IntOr((string?)image.Attribute("height"), 0);
        var shapes = new List<CvatShape>();
        var index = 0;
        foreach (var element in image.Elements())
        {
            var kind = element.Name.LocalName;
            if (kind == "tag")
                continue;
            var shape = new CvatShape(kind, (string?)element.Attribute("label") ?? "", index++);
            try
            {
                shapes.Add(kind switch
                {
                    "polygon" => shape with { Ring = ParsePoints((string?)element.Attribute("points")) },
                    "box" => shape with { Ring = Box(element) },
                    "mask" => shape with { Mask = DecodeMask(element, width, height) },
                    _ => shape,
                });
            }
            catch (FormatException e)
            {
                shapes.Add(shape with { Problem = e.Message });
            }
        }
        return new CvatImage(id, name, width, height, shapes);
    }

    private static double[] ParsePoints(string? points)
    {
        if (string.IsNullOrWhiteSpace(points))
            throw new FormatException("it has no points.");
        var pairs = points.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ring = new double[pairs.Length * 2];
        for (var i = 0; i < pairs.Length; i++)
        {
            var xy = pairs[i].Split(',');
            if (xy.Length != 2 || !TryDouble(xy[0], out ring[2 * i]) || !TryDouble(xy[1], out ring[(2 * i) + 1]))
                throw new FormatException($"point {i} ('{pairs[i]}') is not 'x,y'.");
        }
        return ring;
    }

    private static double[] Box(XElement box)
    {
        double Get(string name) => TryDouble((string?)box.Attribute(name), out var v) ? v : throw new FormatException($"it has no number in '{name}'.");
        double xtl = Get("xtl"), ytl = Get("ytl"), xbr = Get("xbr"), ybr = Get("ybr");
        var rotation = TryDouble((string?)box.Attribute("rotation"), out var r) ? r : 0;
        double[] ring = [xtl, ytl, xbr, ytl, xbr, ybr, xtl, ybr];
        if (rotation == 0)
            return ring;
        var (cx, cy) = ((xtl + xbr) / 2, (ytl + ybr) / 2);
        var (sin, cos) = Math.SinCos(rotation * Math.PI / 180);
        for (var i = 0; i < 4; i++)
        {
            var (dx, dy) = (ring[2 * i] - cx, ring[(2 * i) + 1] - cy);
            ring[2 * i] = cx + (dx * cos) - (dy * sin);
            ring[(2 * i) + 1] = cy + (dx * sin) + (dy * cos);
        }
        return ring;
    }

    private static byte[] DecodeMask(XElement mask, int width, int height)
    {
        int Get(string name) => int.TryParse((string?)mask.Attribute(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v : throw new FormatException($"it has no non-negative integer in '{name}'.");
        int left = Get("left"), top = Get("top"), w = Get("width"), h = Get("height");
        if (width <= 0 || height <= 0)
            throw new FormatException("its image has no width and height.");
        if ((long)left + w > width || (long)top + h > height)
            throw new FormatException($"its box {w}x{h} at ({left}, {top}) is not inside the {width}x{height} image.");
        var counts = ((string?)mask.Attribute("rle") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var full = new byte[(long)width * height];
        long position = 0, area = (long)w * h;
        var inside = false;
        foreach (var text in counts)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var run))
                throw new FormatException($"its rle holds '{text}', not a run length.");
            if (position + run > area)
                throw new FormatException($"its rle covers more than the {w}x{h} box.");
            if (inside)
            {
                for (var p = position; p < position + run; p++)
                    full[((top + (p / w)) * width) + left + (p % w)] = 1;
            }
            position += run;
            inside = !inside;
        }
        return position == area ? full : throw new FormatException($"its rle covers {position} of the {area} pixels of its {w}x{h} box.");
    }

    /// <summary>CVAT's mask RLE of a row-major image mask over its tight box: (rle, left, top, width, height); null for an empty mask.</summary>
    public static (string Rle, int Left, int Top, int Width, int Height)? EncodeMask(RleMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var box = mask.Bbox;
        if (box.Width == 0 || box.Height == 0)
            return null;
        var pixels = mask.Decode();
        var runs = new List<long>();
        var inside = false;
        long run = 0;
        for (var y = box.Y; y < box.Y + box.Height; y++)
        {
            for (var x = box.X; x < box.X + box.Width; x++)
            {
                if ((pixels[(y * mask.Width) + x] != 0) != inside)
                {
                    runs.Add(run);
                    run = 0;
                    inside = !inside;
                }
                run++;
            }
        }
        runs.Add(run);
        return (string.Join(", ", runs), box.X, box.Y, box.Width, box.Height);
    }

    /// <summary>Writes the images as CVAT for images 1.1: one-ring objects as polygons, the rest as masks.</summary>
    public static void Write(Stream output, IReadOnlyList<InteropImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var labels = images.SelectMany(i => i.Objects).Select(o => o.ClassName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var root = new XElement("annotations",
            new XElement("version", "1.1"),
            new XElement("meta", new XElement("task",
                new XElement("size", images.Count),
                new XElement("mode", "annotation"),
                new XElement("labels", labels.Select(l => new XElement("label", new XElement("name", l), new XElement("type", "any"), new XElement("attributes")))))));
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            var element = new XElement("image", new XAttribute("id", i), new XAttribute("name", image.FileName),
                new XAttribute("width", image.Width), new XAttribute("height", image.Height));
            foreach (var item in image.Objects)
            {
                if (item.Polygons is [var ring])
                {
                    var points = string.Join(';', Enumerable.Range(0, ring.Length / 2).Select(k => $"{Number(ring[2 * k])},{Number(ring[(2 * k) + 1])}"));
                    element.Add(new XElement("polygon", Common(item), new XAttribute("points", points), new XAttribute("z_order", 0)));
                }
                else if (EncodeMask(item.Mask) is { } m)
                {
                    element.Add(new XElement("mask", Common(item), new XAttribute("rle", m.Rle), new XAttribute("left", m.Left),
                        new XAttribute("top", m.Top), new XAttribute("width", m.Width), new XAttribute("height", m.Height), new XAttribute("z_order", 0)));
                }
            }
            root.Add(element);
        }
        using var writer = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(writer);
    }

    private static XAttribute[] Common(InteropObject item) =>
        [new("label", item.ClassName), new("source", item.Score is null ? "manual" : "auto"), new("occluded", 0)];

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static bool TryDouble(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static int IntOr(string? text, int fallback) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
