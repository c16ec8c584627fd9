namespace SegLoop.Contracts;

/// <summary>A COCO run-length encoded mask: size [height, width] and the compressed counts string.</summary>
public sealed record CocoRle(int Height, int Width, string Counts);
