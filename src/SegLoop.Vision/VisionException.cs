namespace SegLoop.Vision;

/// <summary>A vision operation was refused or failed; the message says why.</summary>
public class VisionException : Exception
{
    public VisionException(int status, string message)
        : base(message) => Status = status;

    /// <summary>What kind of failure (negative): -1 an invalid argument, -2 undecodable data, -3 an image over the pixel limit.</summary>
    public int Status { get; }
}

/// <summary>The bytes are not a decodable JPEG/PNG: empty, unknown format, corrupt or truncated.</summary>
public class ImageDecodeException : VisionException
{
    public ImageDecodeException(string message)
        : base(-2, message)
    {
    }

    private protected ImageDecodeException(int status, string message)
        : base(status, message)
    {
    }
}

/// <summary>The image header claims more pixels than <see cref="DecodeOptions.MaxPixels"/>; nothing was decoded.</summary>
public sealed class ImageTooLargeException : ImageDecodeException
{
    public ImageTooLargeException(string message)
        : base(-3, message)
    {
    }
}
