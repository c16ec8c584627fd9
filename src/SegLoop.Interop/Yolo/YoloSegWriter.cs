using System.Globalization;
using System.Text;
using SegLoop.Vision;

namespace SegLoop.Interop.Yolo;

/// <summary>
/// YOLO segmentation labels (Ultralytics): per image <c>labels/{stem}.txt</c> with one line per region,
/// <c>class x0 y0 x1 y1 ...</c> normalised to [0, 1], and <c>data.yaml</c> naming the classes (ids in ordinal order
/// of the names). Polygons are written as drawn; masks are traced (outer rings; YOLO-seg has no holes).
/// </summary>
public static class YoloSegWriter
{
    public static IReadOnlyList<string> ClassNames(IEnumerable<InteropImage> images) =>
        images.SelectMany(i => i.Objects).Select(o => o.ClassName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The label file's text for one image.</summary>
    public static string Labels(InteropImage image, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(classNames);
        var text = new StringBuilder();
        foreach (var item in image.Objects)
        {
            var classId = IndexOf(classNames, item.ClassName);
            foreach (var ring in Rings(item, image.Width, image.Height))
            {
                text.Append(classId.ToString(CultureInfo.InvariantCulture));
                for (var k = 0; k + 1 < ring.Length; k += 2)
                {
                    text.Append(' ').Append(Math.Clamp(ring[k] / image.Width, 0, 1).ToString("0.######", CultureInfo.InvariantCulture));
                    text.Append(' ').Append(Math.Clamp(ring[k + 1] / image.Height, 0, 1).ToString("0.######", CultureInfo.InvariantCulture));
                }
                text.Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>Writes <c>labels/</c> and <c>data.yaml</c> under <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<InteropImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var names = ClassNames(images);
        var labels = Path.Combine(folder, "labels");
        Directory.CreateDirectory(labels);
        foreach (var image in images)
            File.WriteAllText(Path.Combine(labels, Path.GetFileNameWithoutExtension(image.FileName) + ".txt"), Labels(image, names));
        var yaml = new StringBuilder("path: .\ntrain: images\nval: images\nnames:\n");
        for (var i = 0; i < names.Count; i++)
            yaml.Append(CultureInfo.InvariantCulture, $"  {i}: \"{names[i].Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n");
        File.WriteAllText(Path.Combine(folder, "data.yaml"), yaml.ToString());
    }

    private static IEnumerable<double[]> Rings(InteropObject item, int width, int height)
    {
        if (item.Polygons is { Count: > 0 } polygons && !item.IsCrowd)
            return polygons.Where(r => r.Length >= 6);
        var mask = Mask.FromBytes(width, height, item.Mask.Decode());
        return MaskOps.FindPolygons(mask).Where(p => p.Outer.Count >= 3)
            .Select(p => p.Outer.SelectMany(q => new double[] { q.X, q.Y }).ToArray());
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
                return i;
        }
        throw new ArgumentException($"Class '{name}' is not among the {names.Count} class names.", nameof(name));
    }
}
