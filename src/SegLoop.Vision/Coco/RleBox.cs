namespace SegLoop.Vision.Coco;

/// <summary>
/// The bounding box of an RLE mask as pycocotools' <c>toBbox</c> gives it: top-left corner, width and height,
/// in whole pixels; all zero for an empty mask.
/// </summary>
public readonly record struct RleBox(int X, int Y, int Width, int Height)
{
    /// <summary>The box as COCO json writes it: [x, y, width, height].</summary>
    public double[] ToArray() => [X, Y, Width, Height];
}
