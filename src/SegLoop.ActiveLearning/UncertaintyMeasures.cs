using SegLoop.Vision;

namespace SegLoop.ActiveLearning;

/// <summary>
/// Per-pixel uncertainty of D probability maps of one item, all in the item's frame (Width x Height, row-major):
/// <see cref="Variance"/> of the D foreground probabilities (population variance, 0..0.25) and <see cref="Entropy"/> of
/// their mean (binary entropy in bits, 0..1). A pixel no pass saw (NaN in every map) counts 0 in both.
/// </summary>
public sealed record UncertaintyMap(int Width, int Height, int Passes, float[] Variance, float[] Entropy)
{
    /// <summary>Mean of <see cref="Variance"/> over the frame: the item's variance score.</summary>
    public double MeanVariance { get; } = Mean(Variance);

    /// <summary>Mean of <see cref="Entropy"/> over the frame: the item's entropy score.</summary>
    public double MeanEntropy { get; } = Mean(Entropy);

    /// <summary>
    /// The map ranking uses: variance when there are at least two passes (the method's measure; a single pass has no
    /// spread), entropy of the one map otherwise.
    /// </summary>
    public float[] Primary => Passes >= 2 ? Variance : Entropy;

    /// <summary>The item's score: the mean of <see cref="Primary"/>.</summary>
    public double Score => Passes >= 2 ? MeanVariance : MeanEntropy;

    private static double Mean(float[] values)
    {
        double sum = 0;
        foreach (var v in values)
            sum += v;
        return values.Length == 0 ? 0 : sum / values.Length;
    }
}

/// <summary>The measures over D probability maps.</summary>
public static class UncertaintyMeasures
{
    /// <summary>
    /// Variance and entropy per pixel of <paramref name="maps"/> (each width x height probabilities in [0, 1]; NaN where
    /// that pass did not see the pixel, which then counts over the passes that did).
    /// </summary>
    public static UncertaintyMap Compute(int width, int height, IReadOnlyList<float[]> maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (maps.Count == 0)
            throw new ArgumentException("at least one probability map is needed", nameof(maps));
        var length = width * height;
        foreach (var map in maps)
        {
            if (map.Length != length)
                throw new ArgumentException($"every map must have {width} x {height} = {length} values, one has {map.Length}", nameof(maps));
        }

        var variance = new float[length];
        var entropy = new float[length];
        for (var i = 0; i < length; i++)
        {
            double sum = 0, squares = 0;
            var n = 0;
            foreach (var map in maps)
            {
                var p = map[i];
                if (float.IsNaN(p))
                    continue;
                p = Math.Clamp(p, 0f, 1f);
                sum += p;
                squares += (double)p * p;
                n++;
            }
            if (n == 0)
                continue;
            var mean = sum / n;
            variance[i] = (float)Math.Max(0, (squares / n) - (mean * mean));
            entropy[i] = (float)BinaryEntropy(mean);
        }
        return new UncertaintyMap(width, height, maps.Count, variance, entropy);
    }

    /// <summary>
    /// Disagreement between a box prompt and the model's mask for it: 1 - IoU(the mask's bounding box, <paramref name="box"/>).
    /// A box drawn tight around its object touches the object on all four sides, so a right mask's own bounding box is the
    /// box (0). A mask that leaves a side of the box untouched (a part of the object, or a smaller thing inside the box) or
    /// reaches past it scores more; an empty mask scores 1. It reads the box as evidence, which the per-pixel measures do
    /// not: a model sure of the wrong answer agrees with itself over every pass, but its mask does not fill the box.
    /// Meaningless for a whole image, whose frame is not drawn around anything.
    /// </summary>
    public static double BoxFit(Mask mask, Rect box)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (box.Width <= 0 || box.Height <= 0)
            throw new ArgumentException($"box {box} is empty", nameof(box));
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        var data = mask.Data;
        for (var y = 0; y < mask.Height; y++)
        {
            var row = data.Slice(y * mask.Width, mask.Width);
            var first = row.IndexOfAnyExcept((byte)0);
            if (first < 0)
                continue;
            x0 = Math.Min(x0, first);
            x1 = Math.Max(x1, row.LastIndexOfAnyExcept((byte)0) + 1);
            y0 = Math.Min(y0, y);
            y1 = y + 1;
        }
        if (x1 < 0)
            return 1;
        long iw = Math.Max(0, Math.Min(x1, box.Right) - Math.Max(x0, box.X));
        long ih = Math.Max(0, Math.Min(y1, box.Bottom) - Math.Max(y0, box.Y));
        var intersection = iw * ih;
        var union = ((long)(x1 - x0) * (y1 - y0)) + ((long)box.Width * box.Height) - intersection;
        return 1 - ((double)intersection / union);
    }

    /// <summary>-p log2 p - (1 - p) log2 (1 - p); 0 at 0 and 1, 1 at 0.5.</summary>
    public static double BinaryEntropy(double p)
    {
        if (p <= 0 || p >= 1)
            return 0;
        return -((p * Math.Log2(p)) + ((1 - p) * Math.Log2(1 - p)));
    }
}
