namespace SegLoop.Evaluation;

/// <summary>
/// How far apart two boundaries may be and still match: a fixed number of pixels, or a fraction of the image
/// diagonal as DAVIS's <c>bound_th</c> (0.008 by default: radius = ceil(0.008 x diagonal)).
/// </summary>
public sealed record BoundaryTolerance
{
    private BoundaryTolerance(double value, bool isFraction)
    {
        Value = value;
        IsFraction = isFraction;
    }

    /// <summary>DAVIS's default bound_th = 0.008 of the diagonal.</summary>
    public static BoundaryTolerance Default { get; } = DiagonalFraction(0.008);

    /// <summary>Pixels when <see cref="IsFraction"/> is false, else a fraction of the image diagonal.</summary>
    public double Value { get; }

    public bool IsFraction { get; }

    public static BoundaryTolerance Pixels(int radius)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        return new BoundaryTolerance(radius, isFraction: false);
    }

    public static BoundaryTolerance DiagonalFraction(double fraction)
    {
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a diagonal fraction must be within (0, 1)");
        return new BoundaryTolerance(fraction, isFraction: true);
    }

    /// <summary>The matching radius in pixels for a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public int RadiusFor(int width, int height) =>
        IsFraction ? (int)Math.Ceiling(Value * Math.Sqrt(((double)width * width) + ((double)height * height))) : (int)Value;

    public override string ToString() => IsFraction ? $"{Value:0.####} of the diagonal" : $"{Value} px";
}

/// <summary>
/// The band width d of Boundary IoU: a fixed number of pixels, or a ratio of the image diagonal as the reference
/// implementation's <c>dilation_ratio</c> (0.02 by default: d = round(0.02 x diagonal), at least 1).
/// </summary>
public sealed record BoundaryBand
{
    private BoundaryBand(double value, bool isFraction)
    {
        Value = value;
        IsFraction = isFraction;
    }

    /// <summary>Cheng et al.'s default dilation_ratio = 0.02.</summary>
    public static BoundaryBand Default { get; } = DiagonalFraction(0.02);

    public double Value { get; }

    public bool IsFraction { get; }

    public static BoundaryBand Pixels(int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        return new BoundaryBand(width, isFraction: false);
    }

    public static BoundaryBand DiagonalFraction(double ratio)
    {
        if (!(ratio > 0 && ratio < 1))
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "a dilation ratio must be within (0, 1)");
        return new BoundaryBand(ratio, isFraction: true);
    }

    /// <summary>
    /// d in pixels; for a ratio, Python's <c>int(round(ratio * diagonal))</c> (round half to even) and at least 1, as
    /// boundary_iou/utils/boundary_utils.py computes it.
    /// </summary>
    public int WidthFor(int width, int height)
    {
        if (!IsFraction)
            return (int)Value;
        var d = (int)Math.Round(Value * Math.Sqrt(((double)width * width) + ((double)height * height)), MidpointRounding.ToEven);
        return Math.Max(1, d);
    }

    public override string ToString() => IsFraction ? $"{Value:0.####} of the diagonal" : $"{Value} px";
}
