using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Inference.Backends;

/// <summary>
/// Crop probabilities to an image mask: threshold, keep the components holding positive clicks and the one that
/// owns the box centre (the largest when the centre is background), drop those holding negative clicks, fill
/// holes, paste into image coordinates. Score: mean probability inside the final mask.
/// </summary>
internal static class MaskPostprocessor
{
    public static PromptSegmentation Finish(PreparedPrompt prompt, CropProbabilities probabilities, double threshold, int imageWidth, int imageHeight)
    {
        var placed = FinishPlaced(prompt, probabilities, threshold, imageWidth, imageHeight);
        return new PromptSegmentation(placed.ToImageMask(), placed.Score);
    }

    /// <summary>As <see cref="Finish"/>, but the mask stays crop-sized (the part of the window inside the image), placed in image coordinates.</summary>
    public static PlacedMask FinishPlaced(PreparedPrompt prompt, CropProbabilities probabilities, double threshold, int imageWidth, int imageHeight)
    {
        var window = prompt.Window;
        var values = probabilities.Values;
        var cropMask = new byte[values.Length];
        // Only pixels that lie inside the image can be foreground.
        var insideX0 = Math.Max(0, -window.X);
        var insideY0 = Math.Max(0, -window.Y);
        var insideX1 = Math.Min(window.Width, imageWidth - window.X);
        var insideY1 = Math.Min(window.Height, imageHeight - window.Y);
        for (var y = insideY0; y < insideY1; y++)
        {
            var row = (y * window.Width) + insideX0;
            var source = values.AsSpan(row, insideX1 - insideX0);
            var target = cropMask.AsSpan(row, insideX1 - insideX0);
            for (var x = 0; x < source.Length; x++)
                target[x] = source[x] >= threshold ? (byte)1 : (byte)0;
        }

        var kept = SelectComponents(Mask.FromBytes(window.Width, window.Height, cropMask), prompt);
        var filled = MaskOps.FillHoles(kept);

        var width = insideX1 - insideX0;
        var height = insideY1 - insideY0;
        var inside = new byte[width * height];
        double sum = 0;
        var count = 0;
        var data = filled.Data;
        for (var y = 0; y < height; y++)
        {
            var source = ((y + insideY0) * window.Width) + insideX0;
            for (var x = 0; x < width; x++)
            {
                if (data[source + x] == 0)
                    continue;
                inside[(y * width) + x] = 1;
                sum += values[source + x];
                count++;
            }
        }
        return new PlacedMask(window.X + insideX0, window.Y + insideY0, width, height, inside, imageWidth, imageHeight, count == 0 ? 0 : sum / count);
    }

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

        // Per label (0 is background): held by a negative click; kept.
        var negative = new bool[labels.Components.Count + 1];
        var keep = new bool[labels.Components.Count + 1];
        var keptAny = false;
        foreach (var click in prompt.Clicks)
        {
            var label = LabelAt(click.X, click.Y);
            if (label != 0 && !click.Positive)
                negative[label] = true;
        }
        foreach (var click in prompt.Clicks)
        {
            var label = LabelAt(click.X, click.Y);
            if (label != 0 && click.Positive && !negative[label])
                keptAny = keep[label] = true;
        }

        var centre = LabelAt(prompt.Box.X + (prompt.Box.Width / 2.0), prompt.Box.Y + (prompt.Box.Height / 2.0));
        if (centre != 0 && !negative[centre])
        {
            keep[centre] = true;
        }
        else if (!keptAny)
        {
            var largest = labels.Components.Where(c => !negative[c.Label]).MaxBy(c => c.Area);
            if (largest is not null)
                keep[largest.Label] = true;
        }

        var span = labelMemory.Span;
        var selected = new byte[span.Length];
        for (var i = 0; i < span.Length; i++)
            selected[i] = keep[span[i]] ? (byte)1 : (byte)0;
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
        var counts = new List<long>();
        var previous = false;
        long run = 0;
        void Step(bool set, long pixels)
        {
            if (pixels == 0)
                return;
            if (set != previous)
            {
                counts.Add(run);
                run = 0;
                previous = set;
            }
            run += pixels;
        }

        Step(false, (long)X * ImageHeight);
        for (var x = 0; x < Width; x++)
        {
            Step(false, Y);
            for (var y = 0; y < Height; y++)
                Step(Data[(y * Width) + x] != 0, 1);
            Step(false, ImageHeight - Y - Height);
        }
        Step(false, (long)(ImageWidth - X - Width) * ImageHeight);
        counts.Add(run);
        return RleMask.FromUncompressedCounts(ImageHeight, ImageWidth, counts);
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
