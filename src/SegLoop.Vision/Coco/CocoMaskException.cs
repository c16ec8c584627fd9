namespace SegLoop.Vision.Coco;

/// <summary>
/// A COCO mask, polygon, RLE string or annotation file that cannot be read as given. The message names
/// the problem (expected against actual where there is one); nothing in this namespace throws anything else
/// for bad input.
/// </summary>
public sealed class CocoMaskException : FormatException
{
    public CocoMaskException(string message)
        : base(message)
    {
    }

    public CocoMaskException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
