using SegLoop.Vision;

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
            for (var x = insideX0; x < insideX1; x++)
            {
                var i = (y * window.Width) + x;
                cropMask[i] = values[i] >= threshold ? (byte)1 : (byte)0;
            }
        }

        var kept = SelectComponents(Mask.FromBytes(window.Width, window.Height, cropMask), prompt);
        var filled = MaskOps.FillHoles(kept);

        var full = new byte[imageWidth * imageHeight];
        double sum = 0;
        var count = 0;
        var data = filled.Data;
        for (var y = insideY0; y < insideY1; y++)
        {
            for (var x = insideX0; x < insideX1; x++)
            {
                var i = (y * window.Width) + x;
                if (data[i] == 0)
                    continue;
                full[((y + window.Y) * imageWidth) + x + window.X] = 1;
                sum += values[i];
                count++;
            }
        }
        return new PromptSegmentation(Mask.FromBytes(imageWidth, imageHeight, full), count == 0 ? 0 : sum / count);
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

        var negative = new HashSet<int>();
        var keep = new HashSet<int>();
        foreach (var click in prompt.Clicks)
        {
            var label = LabelAt(click.X, click.Y);
            if (label == 0)
                continue;
            if (click.Positive)
                keep.Add(label);
            else
                negative.Add(label);
        }
        keep.ExceptWith(negative);

        var centre = LabelAt(prompt.Box.X + (prompt.Box.Width / 2.0), prompt.Box.Y + (prompt.Box.Height / 2.0));
        if (centre != 0 && !negative.Contains(centre))
        {
            keep.Add(centre);
        }
        else if (keep.Count == 0)
        {
            var largest = labels.Components.Where(c => !negative.Contains(c.Label)).MaxBy(c => c.Area);
            if (largest is not null)
                keep.Add(largest.Label);
        }

        var span = labelMemory.Span;
        var selected = new byte[span.Length];
        for (var i = 0; i < span.Length; i++)
            selected[i] = span[i] != 0 && keep.Contains(span[i]) ? (byte)1 : (byte)0;
        return Mask.FromBytes(mask.Width, mask.Height, selected);
    }
}
