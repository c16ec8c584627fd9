using SegLoop.Contracts;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// Corrective clicks for model kinds that take none (IS-Net answers from the box alone; GrabCut seeds its own clicks):
/// GrabCut refines the model's answer in the crop, seeded with it (probable foreground where the model says foreground,
/// probable background elsewhere, background outside the box) and with a sure disc at every click. Only pixels near a click take GrabCut's answer; the
/// rest keep the model's, so a click corrects the region it was placed in and cannot undo the mask elsewhere.
/// </summary>
internal static class ClickRefinement
{
    /// <summary>Radius of a click's sure disc: this fraction of the box's longer side, at least 3 pixels.</summary>
    public const double DiscFraction = 0.04;

    public const int Iterations = 3;

    /// <summary>
    /// A click changes pixels within this fraction of the box's longer side: an annotator's click fixes one error region,
    /// and the simulated click sits at the centre of the largest one.
    /// </summary>
    public const double Reach = 0.35;

    /// <summary>The model's probabilities over the prompt's window with the clicks applied; unchanged without clicks.</summary>
    public static CropProbabilities Refine(CropInput input, CropProbabilities model, double threshold)
    {
        var prompt = input.Prompt;
        if (prompt.Clicks.Count == 0)
            return model;
        var window = prompt.Window;
        var crop = input.InsideWindow ?? new Rect(0, 0, window.Width, window.Height);
        var box = prompt.BoxInCrop;
        var boxInCrop = new Rect(box.X - crop.X, box.Y - crop.Y, box.Width, box.Height);
        var seeds = new GrabCutLabel[crop.Width * crop.Height];
        var values = model.Values;
        var floatThreshold = MaskPostprocessor.SmallestFloatAtLeast(threshold);
        for (var y = 0; y < crop.Height; y++)
        {
            var row = ((y + crop.Y) * window.Width) + crop.X;
            for (var x = 0; x < crop.Width; x++)
            {
                var inBox = x >= boxInCrop.X && x < boxInCrop.Right && y >= boxInCrop.Y && y < boxInCrop.Bottom;
                seeds[(y * crop.Width) + x] = !inBox ? GrabCutLabel.Background
                    : values[row + x] >= floatThreshold ? GrabCutLabel.ProbableForeground : GrabCutLabel.ProbableBackground;
            }
        }
        var reach = Reach * Math.Max(box.Width, box.Height);
        var radius = Math.Max(3, (int)Math.Round(DiscFraction * Math.Max(box.Width, box.Height)));
        UnclaimAtNegativeClicks(seeds, crop, window, prompt.Clicks, reach);
        foreach (var click in prompt.Clicks)
            Paint(seeds, crop.Width, crop.Height, click.X - window.X - crop.X, click.Y - window.Y - crop.Y, radius,
                click.Positive ? GrabCutLabel.Foreground : GrabCutLabel.Background);

        byte[] refined;
        try
        {
            // The whole crop: GrabCut learns its background colours from outside the box too.
            refined = GrabCut.FromSeeds(input.Crop, new Rect(0, 0, crop.Width, crop.Height), seeds, Iterations).Data.ToArray();
        }
        catch (VisionException)
        {
            refined = new byte[seeds.Length]; // nothing left that may be foreground: the clicked region is background
        }

        var result = (float[])values.Clone();
        var reachSquared = reach * reach;
        var data = refined;
        for (var y = 0; y < crop.Height; y++)
        {
            for (var x = 0; x < crop.Width; x++)
            {
                var near = false;
                foreach (var click in prompt.Clicks)
                {
                    var dx = click.X - window.X - crop.X - x;
                    var dy = click.Y - window.Y - crop.Y - y;
                    if ((dx * dx) + (dy * dy) <= reachSquared)
                    {
                        near = true;
                        break;
                    }
                }
                if (near)
                    result[((y + crop.Y) * window.Width) + crop.X + x] = data[(y * crop.Width) + x];
            }
        }
        return new CropProbabilities(result, window.Width, window.Height);
    }

    /// <summary>
    /// A negative click says the region it lies in is not the object: the model's foreground connected to the click
    /// and within reach becomes probable background, so GrabCut keeps only what its colours still claim.
    /// </summary>
    private static void UnclaimAtNegativeClicks(GrabCutLabel[] seeds, Rect crop, Rect window, IReadOnlyList<Click> clicks, double reach)
    {
        var reachSquared = reach * reach;
        var stack = new Stack<int>();
        foreach (var click in clicks.Where(c => !c.Positive))
        {
            var cx = click.X - window.X - crop.X;
            var cy = click.Y - window.Y - crop.Y;
            var x0 = (int)Math.Floor(cx);
            var y0 = (int)Math.Floor(cy);
            if ((uint)x0 >= (uint)crop.Width || (uint)y0 >= (uint)crop.Height || seeds[(y0 * crop.Width) + x0] != GrabCutLabel.ProbableForeground)
                continue;
            stack.Push((y0 * crop.Width) + x0);
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                if (seeds[i] != GrabCutLabel.ProbableForeground)
                    continue;
                var x = i % crop.Width;
                var y = i / crop.Width;
                if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) > reachSquared)
                    continue;
                seeds[i] = GrabCutLabel.ProbableBackground;
                if (x > 0)
                    stack.Push(i - 1);
                if (x < crop.Width - 1)
                    stack.Push(i + 1);
                if (y > 0)
                    stack.Push(i - crop.Width);
                if (y < crop.Height - 1)
                    stack.Push(i + crop.Width);
            }
        }
    }

    private static void Paint(GrabCutLabel[] seeds, int width, int height, double cx, double cy, int radius, GrabCutLabel label)
    {
        var x0 = (int)Math.Floor(cx);
        var y0 = (int)Math.Floor(cy);
        for (var y = y0 - radius; y <= y0 + radius; y++)
        {
            for (var x = x0 - radius; x <= x0 + radius; x++)
            {
                if ((uint)x < (uint)width && (uint)y < (uint)height && ((x - x0) * (x - x0)) + ((y - y0) * (y - y0)) <= radius * radius)
                    seeds[(y * width) + x] = label;
            }
        }
    }
}
