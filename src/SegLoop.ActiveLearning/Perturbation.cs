namespace SegLoop.ActiveLearning;

/// <summary>
/// One stochastic pass's test-time change: a horizontal flip of the image and a change of the prompt box's scale
/// (about its centre) and position (fractions of the box's width and height). The model sees a different crop at a
/// different effective resolution; its probabilities are mapped back to the item's frame.
/// </summary>
public readonly record struct Perturbation(bool Flip, double Scale, double ShiftX, double ShiftY)
{
    public static readonly Perturbation Identity = new(false, 1, 0, 0);

    /// <summary>Largest change of the box's side (fraction).</summary>
    public const double MaxScaleChange = 0.10;

    /// <summary>Largest shift of the box (fraction of its side).</summary>
    public const double MaxShift = 0.05;

    /// <summary>
    /// The passes for D = <paramref name="passes"/>: the unchanged model first, then its mirror image, then flips
    /// alternating with scale in 1 ± 10 % and shifts within ± 5 % from Halton sequences (bases 2, 3, 5). Fixed, not random,
    /// so a ranking is reproducible and a redelivered request rewrites the same bytes; the plan for D is the first D
    /// passes of the plan for any larger D.
    /// </summary>
    public static IReadOnlyList<Perturbation> Plan(int passes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var plan = new List<Perturbation>(passes) { Identity };
        if (passes > 1)
            plan.Add(Identity with { Flip = true });
        for (var k = 2; k < passes; k++)
        {
            plan.Add(new Perturbation(
                Flip: k % 2 == 1,
                Scale: 1 + (MaxScaleChange * ((2 * Halton(k, 2)) - 1)),
                ShiftX: MaxShift * ((2 * Halton(k, 3)) - 1),
                ShiftY: MaxShift * ((2 * Halton(k, 5)) - 1)));
        }
        return plan;
    }

    /// <summary>The box this pass prompts with, for a frame box (x, y, w, h) in an image <paramref name="imageWidth"/> wide.</summary>
    public (double X, double Y, double Width, double Height) Box(double x, double y, double width, double height, int imageWidth)
    {
        var w = width * Scale;
        var h = height * Scale;
        var cx = x + (width / 2) + (ShiftX * width);
        var cy = y + (height / 2) + (ShiftY * height);
        var left = cx - (w / 2);
        if (Flip)
            left = imageWidth - (left + w);
        return (left, cy - (h / 2), w, h);
    }

    private static double Halton(int index, int radix)
    {
        double result = 0, f = 1;
        for (var i = index; i > 0; i /= radix)
        {
            f /= radix;
            result += f * (i % radix);
        }
        return result;
    }
}
