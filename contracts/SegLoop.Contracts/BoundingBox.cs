namespace SegLoop.Contracts;

/// <summary>An axis-aligned box in image pixels, COCO style: top-left corner, width and height.</summary>
public sealed record BoundingBox(double X, double Y, double Width, double Height);
