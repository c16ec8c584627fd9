using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// OpenCV GrabCut from the box, no weights: outside the box is background, inside probably foreground; positive
/// clicks seed a foreground disk, negative clicks a background disk, extreme points single foreground pixels.
/// </summary>
internal sealed class GrabCutBackend(int iterations, int clickRadius) : CropBackend
{
    public const string ModelName = "grabcut";
    public const string BuiltinVersion = "builtin";
    private static readonly object Group = "grabcut";

    public override string Model => ModelName;

    public override string Version => BuiltinVersion;

    public override bool UsesClickSeeds => true;

    public override CropInput Prepare(Image image, PreparedPrompt prompt)
    {
        var window = prompt.Window;
        var crop = image.Crop(window);
        var seeds = new GrabCutLabel[window.Width * window.Height];
        var box = prompt.BoxInCrop;
        for (var y = box.Y; y < box.Bottom; y++)
            seeds.AsSpan((y * window.Width) + box.X, box.Width).Fill(GrabCutLabel.ProbableForeground);
        foreach (var point in prompt.ExtremePoints)
            PaintDisc(seeds, window.Width, window.Height, point.X - window.X, point.Y - window.Y, 0, GrabCutLabel.Foreground);
        foreach (var click in prompt.Clicks)
            PaintDisc(seeds, window.Width, window.Height, click.X - window.X, click.Y - window.Y, clickRadius,
                click.Positive ? GrabCutLabel.Foreground : GrabCutLabel.Background);
        return new CropInput { Prompt = prompt, GroupKey = Group, Crop = crop, Seeds = seeds };
    }

    public override IReadOnlyList<CropProbabilities> Run(StagedBatch staged, CancellationToken cancellationToken)
    {
        var batch = staged.Crops;
        var results = new CropProbabilities[batch.Count];
        Parallel.For(0, batch.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var input = batch[i];
            var window = input.Prompt.Window;
            var mask = GrabCut.FromSeeds(input.Crop, input.Prompt.BoxInCrop, input.Seeds, iterations);
            var values = new float[mask.Data.Length];
            var data = mask.Data;
            for (var j = 0; j < values.Length; j++)
                values[j] = data[j];
            results[i] = new CropProbabilities(values, window.Width, window.Height);
        });
        return results;
    }

    /// <summary>Paints a disc of <paramref name="label"/> centred at (<paramref name="cx"/>, <paramref name="cy"/>) into row-major seeds, clipped.</summary>
    internal static void PaintDisc(GrabCutLabel[] seeds, int width, int height, double cx, double cy, int radius, GrabCutLabel label)
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
