using OpenCvSharp;
using CvSize = OpenCvSharp.Size;

namespace SegLoop.Vision;

/// <summary>
/// A partition of an image into superpixels: <see cref="Labels"/> holds each pixel's superpixel, 0..Count-1, row-major.
/// </summary>
public sealed class SuperpixelLabels
{
    internal SuperpixelLabels(int width, int height, int[] labels, int count)
    {
        Width = width;
        Height = height;
        Labels = labels;
        Count = count;
    }

    public int Width { get; }

    public int Height { get; }

    public int Count { get; }

    public ReadOnlyMemory<int> Labels { get; }

    /// <summary>Pixels per superpixel.</summary>
    public int[] Areas()
    {
        var areas = new int[Count];
        foreach (var l in Labels.Span)
            areas[l]++;
        return areas;
    }

    /// <summary>Mean of <paramref name="values"/> (one per pixel, NaN skipped) over each superpixel; 0 where none counts.</summary>
    public double[] Means(ReadOnlySpan<float> values)
    {
        if (values.Length != Labels.Length)
            throw new ArgumentException($"expected {Labels.Length} values, got {values.Length}", nameof(values));
        var sums = new double[Count];
        var counts = new int[Count];
        var labels = Labels.Span;
        for (var i = 0; i < labels.Length; i++)
        {
            if (float.IsNaN(values[i]))
                continue;
            sums[labels[i]] += values[i];
            counts[labels[i]]++;
        }
        for (var l = 0; l < Count; l++)
            sums[l] = counts[l] == 0 ? 0 : sums[l] / counts[l];
        return sums;
    }

    /// <summary>The outline of each superpixel (its largest region's outer ring, simplified by 1 px), in this partition's pixels.</summary>
    public IReadOnlyList<IReadOnlyList<Point>> Outlines()
    {
        var labels = Labels.Span;
        var left = new int[Count];
        var top = new int[Count];
        var right = new int[Count];
        var bottom = new int[Count];
        Array.Fill(left, int.MaxValue);
        Array.Fill(top, int.MaxValue);
        Array.Fill(right, -1);
        Array.Fill(bottom, -1);
        for (int y = 0, i = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++, i++)
            {
                var l = labels[i];
                left[l] = Math.Min(left[l], x);
                right[l] = Math.Max(right[l], x);
                top[l] = Math.Min(top[l], y);
                bottom[l] = Math.Max(bottom[l], y);
            }
        }
        var outlines = new IReadOnlyList<Point>[Count];
        for (var l = 0; l < Count; l++)
        {
            var w = right[l] - left[l] + 1;
            var h = bottom[l] - top[l] + 1;
            var data = new byte[w * h];
            for (var y = 0; y < h; y++)
            {
                var row = ((top[l] + y) * Width) + left[l];
                for (var x = 0; x < w; x++)
                    data[(y * w) + x] = labels[row + x] == l ? (byte)1 : (byte)0;
            }
            var polygons = MaskOps.FindPolygons(Mask.FromBytes(w, h, data), simplifyEpsilon: 1);
            var ring = polygons.Count == 0 ? [] : polygons.MaxBy(p => p.Outer.Count)!.Outer;
            outlines[l] = ring.Select(p => new Point(p.X + left[l], p.Y + top[l])).ToList();
        }
        return outlines;
    }
}

/// <summary>Cuts images into superpixels.</summary>
public static class Superpixels
{
    /// <summary>
    /// OpenCV's marker watershed on the image's morphological gradient, flooded from a regular grid of about
    /// <paramref name="approximateCount"/> seeds (each moved to the lowest gradient of its 3 x 3 neighbourhood, so no
    /// seed starts on an edge). Watershed lines are given to a neighbouring superpixel, so every pixel has one.
    /// Deterministic: the same image gives the same labels.
    /// </summary>
    public static unsafe SuperpixelLabels Watershed(Image image, int approximateCount = 100)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(approximateCount, 1);
        OpenCvThreads.Ensure();
        int width = image.Width, height = image.Height;
        using var grey = new Mat();
        switch (image.Channels)
        {
            case 1: image.Mat.CopyTo(grey); break;
            case 3: Cv2.CvtColor(image.Mat, grey, ColorConversionCodes.BGR2GRAY); break;
            default: Cv2.CvtColor(image.Mat, grey, ColorConversionCodes.BGRA2GRAY); break;
        }
        using var blurred = new Mat();
        Cv2.GaussianBlur(grey, blurred, new CvSize(3, 3), 0);
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new CvSize(3, 3));
        using var gradient = new Mat();
        Cv2.MorphologyEx(blurred, gradient, MorphTypes.Gradient, kernel);
        using var gradient3 = new Mat();
        Cv2.Merge([gradient, gradient, gradient], gradient3);

        var step = Math.Max(1.0, Math.Sqrt((double)width * height / approximateCount));
        var columns = Math.Max(1, (int)Math.Round(width / step));
        var rows = Math.Max(1, (int)Math.Round(height / step));
        using var markers = new Mat(height, width, MatType.CV_32SC1, Scalar.All(0));
        var g = new ReadOnlySpan<byte>((void*)gradient.Data, width * height);
        var m = new Span<int>((void*)markers.Data, width * height);
        var seeds = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var cx = (int)((c + 0.5) * width / columns);
                var cy = (int)((r + 0.5) * height / rows);
                var (bx, by) = (cx, cy);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int x = cx + dx, y = cy + dy;
                        if (x >= 0 && y >= 0 && x < width && y < height && g[(y * width) + x] < g[(by * width) + bx])
                            (bx, by) = (x, y);
                    }
                }
                if (m[(by * width) + bx] == 0)
                    m[(by * width) + bx] = ++seeds;
            }
        }
        Cv2.Watershed(gradient3, markers);

        // Watershed lines (-1) join a neighbour: the first labelled pixel left, up, right or down (repeated for thick lines).
        var labels = m.ToArray();
        for (var changed = true; changed;)
        {
            changed = false;
            for (int y = 0, i = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++, i++)
                {
                    if (labels[i] > 0)
                        continue;
                    var n = x > 0 && labels[i - 1] > 0 ? labels[i - 1]
                        : y > 0 && labels[i - width] > 0 ? labels[i - width]
                        : x + 1 < width && labels[i + 1] > 0 ? labels[i + 1]
                        : y + 1 < height && labels[i + width] > 0 ? labels[i + width] : 0;
                    if (n > 0)
                    {
                        labels[i] = n;
                        changed = true;
                    }
                }
            }
        }

        MergeSmall(labels, width, height, seeds, Math.Max(4, (int)(step * step / 8)));

        // Renumber 0..Count-1 in order of first appearance, dropping seeds that flooded nothing.
        var map = new int[seeds + 1];
        Array.Fill(map, -1);
        var count = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var l = Math.Max(labels[i], 1);
            if (map[l] < 0)
                map[l] = count++;
            labels[i] = map[l];
        }
        return new SuperpixelLabels(width, height, labels, count);
    }

    /// <summary>
    /// A seed caught in a pocket of the gradient floods only a few pixels (a sliver no one would label): regions under
    /// <paramref name="minArea"/> pixels join a neighbouring region that is not small, pixel by pixel from their border.
    /// </summary>
    private static void MergeSmall(int[] labels, int width, int height, int seeds, int minArea)
    {
        var areas = new int[seeds + 1];
        foreach (var l in labels)
            areas[Math.Max(l, 0)]++;
        bool Small(int l) => l <= 0 || areas[l] < minArea;
        if (!labels.Any(Small))
            return;
        if (Enumerable.Range(1, seeds).All(Small))
            return; // every region is small (a tiny image): leave them
        for (var changed = true; changed;)
        {
            changed = false;
            for (int y = 0, i = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++, i++)
                {
                    if (!Small(labels[i]))
                        continue;
                    var n = x > 0 && !Small(labels[i - 1]) ? labels[i - 1]
                        : y > 0 && !Small(labels[i - width]) ? labels[i - width]
                        : x + 1 < width && !Small(labels[i + 1]) ? labels[i + 1]
                        : y + 1 < height && !Small(labels[i + width]) ? labels[i + width] : 0;
                    if (n > 0)
                    {
                        // The pixel moves: its old region keeps its count so it stays 'small' until it is gone.
                        labels[i] = n;
                        changed = true;
                    }
                }
            }
        }
    }
}
