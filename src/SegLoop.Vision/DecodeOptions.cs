namespace SegLoop.Vision;

public enum DecodeMode
{
    /// <summary>Three channels, BGR order (OpenCV's native order).</summary>
    Color = 0,

    /// <summary>One channel.</summary>
    Grayscale = 1,

    /// <summary>The stored channels (1, 3 or 4; 16-bit PNGs are scaled to 8 bits).</summary>
    Unchanged = 2,
}

/// <summary>How <see cref="ImageCodec.Decode"/> reads an image. EXIF orientation is never applied: annotations refer to stored pixels.</summary>
public sealed class DecodeOptions
{
    public const long DefaultMaxPixels = 100_000_000;

    public static DecodeOptions Default { get; } = new();

    /// <summary>Largest width x height the header may claim; larger images are refused before decoding. 0 or less: no limit.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    public DecodeMode Mode { get; init; } = DecodeMode.Color;
}

public enum ImageFormat
{
    Jpeg = 1,
    Png = 2,
}

/// <summary>What an image's header says, read without decoding.</summary>
/// <param name="BitDepth">Bits per sample: a PNG IHDR's bit depth (1, 2, 4, 8 or 16), a JPEG frame's precision (8 or 12).
/// Decoding gives 8-bit pixels whatever it is; a caller that needs the stored values exactly (label maps) checks it.</param>
public readonly record struct ImageHeader(ImageFormat Format, int Width, int Height, int BitDepth = 8);
