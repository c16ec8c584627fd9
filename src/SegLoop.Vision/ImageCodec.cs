namespace SegLoop.Vision;

/// <summary>JPEG/PNG decoding with the header checked first: decompression bombs, truncated and corrupt files are refused.</summary>
public static class ImageCodec
{
    /// <summary>Decodes JPEG or PNG bytes.</summary>
    /// <exception cref="ImageTooLargeException">The header claims more than <see cref="DecodeOptions.MaxPixels"/>.</exception>
    /// <exception cref="ImageDecodeException">Empty, not JPEG/PNG, corrupt or truncated data.</exception>
    public static unsafe Image Decode(ReadOnlySpan<byte> data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        if (!Enum.IsDefined(options.Mode))
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "unknown decode mode");
        MatHandle mat;
        fixed (byte* p = data)
            NativeStatus.Check(NativeMethods.sl_decode(p, (nuint)data.Length, (int)options.Mode, options.MaxPixels, out mat));
        return new Image(mat);
    }

    /// <summary>Reads the format and size from a PNG IHDR or JPEG frame header without decoding.</summary>
    public static unsafe ImageHeader ReadHeader(ReadOnlySpan<byte> data)
    {
        int format, width, height;
        fixed (byte* p = data)
            NativeStatus.Check(NativeMethods.sl_image_header(p, (nuint)data.Length, out format, out width, out height));
        return new ImageHeader((ImageFormat)format, width, height);
    }
}
