using System.Numerics;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Inference.Backends;

/// <summary>
/// Crop probabilities to an image mask: threshold (lowered when nothing in the box reaches it), keep the components the
/// box and the clicks point at and cut them at the box (<see cref="SelectComponents"/>), fill holes (except a hole a
/// negative click lies in), paste into image coordinates. Score: mean probability inside the final mask.
/// </summary>
internal static class MaskPostprocessor
{
    /// <summary>A component inside the box smaller than this share of the largest one there is a fleck, not a part.</summary>
    public const double MinShareOfLargest = 0.05;

    /// <summary>
    /// When no pixel in the box reaches the threshold, pixels at this share of the box's highest probability count as
    /// foreground: the box says an object is there, and an empty answer is never one an annotator can use.
    /// </summary>
    public const double ShareOfPeakWhenNothingReachesThreshold = 0.5;

    /// <summary>Below this peak the model saw nothing in the box at all, and the answer stays empty.</summary>
    public const float MinPeak = 0.01f;

    /// <summary>
    /// The prompt's mask, crop-sized (the part of the window inside the image) and placed in image coordinates; turn it
    /// into an image-sized mask, an RLE or polygons with <see cref="PlacedMask"/>'s methods.
    /// </summary>
    public static PlacedMask Finish(PreparedPrompt prompt, CropProbabilities probabilities, double threshold, int imageWidth, int imageHeight)
    {
        var window = prompt.Window;
        var values = probabilities.Values;
        var cropMask = new byte[values.Length];
        // Only pixels that lie inside the image can be foreground.
        var insideX0 = Math.Max(0, -window.X);
        var insideY0 = Math.Max(0, -window.Y);
        var insideX1 = Math.Min(window.Width, imageWidth - window.X);
        var insideY1 = Math.Min(window.Height, imageHeight - window.Y);
        var floatThreshold = SmallestFloatAtLeast(EffectiveThreshold(prompt, values, threshold, imageWidth, imageHeight));
        for (var y = insideY0; y < insideY1; y++)
        {
            var row = (y * window.Width) + insideX0;
            Threshold(values.AsSpan(row, insideX1 - insideX0), cropMask.AsSpan(row, insideX1 - insideX0), floatThreshold);
        }

        var kept = SelectComponents(Mask.FromBytes(window.Width, window.Height, cropMask), prompt);
        var filled = KeepNegativeHoles(kept, MaskOps.FillHoles(kept), prompt);

        var width = insideX1 - insideX0;
        var height = insideY1 - insideY0;
        var inside = new byte[width * height];
        double sum = 0;
        var count = 0;
        var data = filled.Data;
        for (var y = 0; y < height; y++)
        {
            var source = data.Slice(((y + insideY0) * window.Width) + insideX0, width);
            var rowValues = values.AsSpan(((y + insideY0) * window.Width) + insideX0, width);
            source.CopyTo(inside.AsSpan(y * width, width));
            for (var x = 0; x < source.Length; x++)
            {
                // A select, not value x mask: a NaN from a broken model outside the mask must not reach the score.
                sum += source[x] != 0 ? rowValues[x] : 0;
                count += source[x];
            }
        }
        return new PlacedMask(window.X + insideX0, window.Y + insideY0, width, height, inside, imageWidth, imageHeight, count == 0 ? 0 : sum / count);
    }

    /// <summary>
    /// <paramref name="threshold"/>, or <see cref="ShareOfPeakWhenNothingReachesThreshold"/> of the highest probability
    /// inside the box (and inside the image) when none reaches it and that peak is at least <see cref="MinPeak"/>.
    /// </summary>
    internal static double EffectiveThreshold(PreparedPrompt prompt, float[] values, double threshold, int imageWidth, int imageHeight)
    {
        var window = prompt.Window;
        var box = prompt.BoxInCrop;
        var x0 = Math.Max(box.X, -window.X);
        var x1 = Math.Min(box.X + box.Width, imageWidth - window.X);
        float peak = 0;
        for (var y = Math.Max(box.Y, -window.Y); y < Math.Min(box.Y + box.Height, imageHeight - window.Y); y++)
        {
            foreach (var value in values.AsSpan((y * window.Width) + x0, x1 - x0))
            {
                if (value >= threshold)
                    return threshold;
                if (value > peak)
                    peak = value;
            }
        }
        return peak >= MinPeak ? peak * ShareOfPeakWhenNothingReachesThreshold : threshold;
    }

    /// <summary>The smallest float at or above <paramref name="threshold"/>: for every float p, p >= it exactly when (double)p >= threshold.</summary>
    internal static float SmallestFloatAtLeast(double threshold)
    {
        var rounded = (float)threshold;
        return rounded < threshold ? MathF.BitIncrement(rounded) : rounded;
    }

    /// <summary>target[i] = source[i] >= threshold ? 1 : 0, a vector at a time.</summary>
    internal static void Threshold(ReadOnlySpan<float> source, Span<byte> target, float threshold)
    {
        if (target.Length < source.Length)
            throw new ArgumentException("target is shorter than source", nameof(target));
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var limit = new Vector<float>(threshold);
            var n = Vector<float>.Count;
            for (; i <= source.Length - (4 * n); i += 4 * n)
            {
                // Comparisons give -1 or 0 per lane; narrowing keeps the value, negating makes it 1 or 0.
                var low = Vector.Narrow(Vector.GreaterThanOrEqual(new Vector<float>(source[i..]), limit), Vector.GreaterThanOrEqual(new Vector<float>(source[(i + n)..]), limit));
                var high = Vector.Narrow(Vector.GreaterThanOrEqual(new Vector<float>(source[(i + (2 * n))..]), limit), Vector.GreaterThanOrEqual(new Vector<float>(source[(i + (3 * n))..]), limit));
                Vector.AsVectorByte(-Vector.Narrow(low, high)).CopyTo(target[i..]);
            }
        }
        for (; i < source.Length; i++)
            target[i] = source[i] >= threshold ? (byte)1 : (byte)0;
    }

    /// <summary>Holes stay filled unless a negative click lies in one: the annotator said that hole is background.</summary>
    private static Mask KeepNegativeHoles(Mask kept, Mask filled, PreparedPrompt prompt)
    {
        if (!prompt.Clicks.Any(c => !c.Positive))
            return filled;
        var keptData = kept.Data;
        var filledData = filled.Data;
        var holes = new byte[filledData.Length];
        for (var i = 0; i < holes.Length; i++)
            holes[i] = (byte)(filledData[i] & (keptData[i] ^ 1));
        var holeLabels = MaskOps.ConnectedComponents(Mask.FromBytes(filled.Width, filled.Height, holes));
        if (holeLabels.Components.Count == 0)
            return filled;
        var reopen = new bool[holeLabels.Components.Count + 1];
        var labels = holeLabels.Labels.Span;
        var window = prompt.Window;
        foreach (var click in prompt.Clicks.Where(c => !c.Positive))
        {
            var x = (int)Math.Floor(click.X - window.X);
            var y = (int)Math.Floor(click.Y - window.Y);
            if ((uint)x < (uint)window.Width && (uint)y < (uint)window.Height)
                reopen[labels[(y * window.Width) + x]] = true;
        }
        reopen[0] = false;
        var result = filledData.ToArray();
        for (var i = 0; i < result.Length; i++)
        {
            if (reopen[labels[i]])
                result[i] = 0;
        }
        return Mask.FromBytes(filled.Width, filled.Height, result);
    }

    /// <summary>
    /// The components the prompt means. The box says where the object is: every component with at least half of itself
    /// inside the box is kept (a multi-part object, an object cut by an occluder), unless it is a fleck under
    /// <see cref="MinShareOfLargest"/> of the largest such component; what spills past the box is cut at the box grown
    /// by one pixel. Clicks overrule the box: a component whose latest click is positive is kept whole, wherever it
    /// lies; one whose latest click is negative is dropped. When no component lies mostly inside the box, the one under the box's centre
    /// is kept (else the one with most pixels in the box), cut at the box.
    /// </summary>
    private static Mask SelectComponents(Mask mask, PreparedPrompt prompt)
    {
        var labels = MaskOps.ConnectedComponents(mask);
        if (labels.Components.Count == 0)
            return mask;
        var labelMemory = labels.Labels;
        var window = prompt.Window;
        int LabelAt(double x, double y)
        {
            var cx = (int)Math.Floor(x - window.X);
            var cy = (int)Math.Floor(y - window.Y);
            return (uint)cx < (uint)window.Width && (uint)cy < (uint)window.Height ? labelMemory.Span[(cy * window.Width) + cx] : 0;
        }

        var count = labels.Components.Count + 1; // label 0 is background
        // The latest click on a component decides: a positive click near an earlier negative one lands on the component
        // its refinement grew there, and the annotator's last word on it is that it belongs.
        var negative = new bool[count];
        var clicked = new bool[count];
        foreach (var click in prompt.Clicks)
        {
            var label = LabelAt(click.X, click.Y);
            negative[label] = label != 0 && !click.Positive;
            clicked[label] = label != 0 && click.Positive;
        }

        // The box grown by a pixel, in window coordinates and inside the window.
        var box = prompt.BoxInCrop;
        var x0 = Math.Max(0, box.X - 1);
        var y0 = Math.Max(0, box.Y - 1);
        var x1 = Math.Min(window.Width, box.X + box.Width + 1);
        var y1 = Math.Min(window.Height, box.Y + box.Height + 1);
        var span = labelMemory.Span;
        var inBox = new long[count];
        for (var y = y0; y < y1; y++)
        {
            foreach (var label in span.Slice((y * window.Width) + x0, x1 - x0))
                inBox[label]++;
        }

        var candidates = labels.Components.Where(c => !negative[c.Label] && !clicked[c.Label]).ToList();
        var mostlyInside = candidates.Where(c => inBox[c.Label] * 2 >= c.Area).ToList();
        var keep = new bool[count];
        if (mostlyInside.Count > 0)
        {
            var largest = mostlyInside.Max(c => inBox[c.Label]);
            foreach (var component in mostlyInside.Where(c => inBox[c.Label] >= MinShareOfLargest * largest))
                keep[component.Label] = true;
        }
        else if (!clicked.Any(c => c))
        {
            var centre = LabelAt(prompt.Box.X + (prompt.Box.Width / 2.0), prompt.Box.Y + (prompt.Box.Height / 2.0));
            var chosen = centre != 0 && !negative[centre] ? centre : candidates.Where(c => inBox[c.Label] > 0).MaxBy(c => inBox[c.Label])?.Label ?? 0;
            keep[chosen] = chosen != 0;
        }

        var selected = new byte[span.Length];
        for (var y = 0; y < window.Height; y++)
        {
            var insideRows = y >= y0 && y < y1;
            for (var x = 0; x < window.Width; x++)
            {
                var i = (y * window.Width) + x;
                var label = span[i];
                var on = clicked[label] || (keep[label] && insideRows && x >= x0 && x < x1);
                selected[i] = on ? (byte)1 : (byte)0;
            }
        }
        return Mask.FromBytes(mask.Width, mask.Height, selected);
    }
}

/// <summary>
/// A prompt's final mask without the image-sized buffer: <see cref="Width"/> x <see cref="Height"/> bytes (0 or 1,
/// row-major) at (<see cref="X"/>, <see cref="Y"/>) in an <see cref="ImageWidth"/> x <see cref="ImageHeight"/> image,
/// which is background everywhere else. Its RLE and polygons equal those of the pasted image mask.
/// </summary>
internal sealed record PlacedMask(int X, int Y, int Width, int Height, byte[] Data, int ImageWidth, int ImageHeight, double Score)
{
    public Mask ToImageMask()
    {
        var full = new byte[ImageWidth * ImageHeight];
        for (var y = 0; y < Height; y++)
            Data.AsSpan(y * Width, Width).CopyTo(full.AsSpan(((y + Y) * ImageWidth) + X));
        return Mask.FromBytes(ImageWidth, ImageHeight, full);
    }

    /// <summary>The image mask's COCO RLE (column-major runs, as <see cref="RleMask.Encode"/> of <see cref="ToImageMask"/>).</summary>
    public RleMask ToRle()
    {
        // Column by column (COCO's order), a run ends where the value changes; the image around the placed part is
        // background. counts[0] is the leading background run (0 when the first pixel is set).
        var counts = new List<long>();
        var current = (byte)0;
        var run = (long)X * ImageHeight;
        var below = ImageHeight - Y - Height;
        for (var x = 0; x < Width; x++)
        {
            AddBackground(counts, ref current, ref run, Y);
            for (var i = x; i < Data.Length; i += Width)
            {
                var value = Data[i];
                if (value != current)
                {
                    counts.Add(run);
                    run = 0;
                    current = value;
                }
                run++;
            }
            AddBackground(counts, ref current, ref run, below);
        }
        AddBackground(counts, ref current, ref run, (long)(ImageWidth - X - Width) * ImageHeight);
        counts.Add(run);
        return RleMask.FromUncompressedCounts(ImageHeight, ImageWidth, counts);
    }

    private static void AddBackground(List<long> counts, ref byte current, ref long run, long pixels)
    {
        if (pixels == 0)
            return;
        if (current != 0)
        {
            counts.Add(run);
            run = 0;
            current = 0;
        }
        run += pixels;
    }

    /// <summary>The image mask's polygons (findContours), traced on the placed part with a one-pixel empty margin and moved into image coordinates.</summary>
    public IReadOnlyList<MaskPolygon> FindPolygons()
    {
        var paddedWidth = Width + 2;
        var padded = new byte[paddedWidth * (Height + 2)];
        for (var y = 0; y < Height; y++)
            Data.AsSpan(y * Width, Width).CopyTo(padded.AsSpan(((y + 1) * paddedWidth) + 1));
        var dx = X - 1;
        var dy = Y - 1;
        IReadOnlyList<Point> Move(IReadOnlyList<Point> ring) => ring.Select(p => new Point(p.X + dx, p.Y + dy)).ToArray();
        return MaskOps.FindPolygons(Mask.FromBytes(paddedWidth, Height + 2, padded))
            .Select(p => new MaskPolygon(Move(p.Outer), p.Holes.Select(Move).ToList()))
            .ToList();
    }
}
