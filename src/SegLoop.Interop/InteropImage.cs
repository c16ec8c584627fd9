using SegLoop.Vision.Coco;

namespace SegLoop.Interop;

/// <summary>One image and its objects, the neutral form every exporter here writes and every reader here gives.</summary>
public sealed record InteropImage(string FileName, int Width, int Height, IReadOnlyList<InteropObject> Objects);

/// <summary>
/// One object: its mask (exact, image coordinates) and, when the source drew it as such, its polygons in pixels
/// (flat x0, y0, x1, y1, ... lists, COCO form). <see cref="Score"/> is set on predictions.
/// </summary>
public sealed record InteropObject(string Id, string ClassName, RleMask Mask)
{
    public IReadOnlyList<double[]>? Polygons { get; init; }

    public bool IsCrowd { get; init; }

    public double? Score { get; init; }
}
