namespace SegLoop.Vision;

/// <summary>A native vision operation failed; the message is the shim's own description.</summary>
public class VisionException : Exception
{
    public VisionException(int status, string message)
        : base(message) => Status = status;

    /// <summary>The shim's status code (negative).</summary>
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
