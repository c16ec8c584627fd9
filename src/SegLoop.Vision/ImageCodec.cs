using OpenCvSharp;
using SegLoop.Vision.Codecs;

namespace SegLoop.Vision;

/// <summary>JPEG/PNG decoding with the header checked first: decompression bombs, truncated and corrupt files are refused.</summary>
public static class ImageCodec
{
    /// <summary>Decodes JPEG or PNG bytes.</summary>
    /// <exception cref="ImageTooLargeException">The header claims more than <see cref="DecodeOptions.MaxPixels"/>.</exception>
    /// <exception cref="ImageDecodeException">Empty, not JPEG/PNG, corrupt or truncated data.</exception>
    public static Image Decode(ReadOnlySpan<byte> data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        var flags = options.Mode switch
        {
            DecodeMode.Color => ImreadModes.Color | ImreadModes.IgnoreOrientation,
            DecodeMode.Grayscale => ImreadModes.Grayscale | ImreadModes.IgnoreOrientation,
            DecodeMode.Unchanged => ImreadModes.Unchanged,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "unknown decode mode"),
        };
        var header = ImageIntegrity.ReadHeader(data);
        var (format, width, height, _) = header.Image;
        ImageIntegrity.CheckPixelLimit(header.Image, options.MaxPixels);
        ImageIntegrity.CheckComplete(data, header);

        OpenCvThreads.Ensure();
        Mat mat;
        try
        {
            mat = Cv2.ImDecode(data, flags);
        }
        catch (OpenCVException e)
        {
            throw new ImageDecodeException($"{ImageIntegrity.Name(format)} data is corrupt: {e.ErrMsg}");
        }
        try
        {
            if (mat.Empty())
                throw new ImageDecodeException($"{ImageIntegrity.Name(format)} data is corrupt: the decoder rejected it");
            if (mat.Cols != width || mat.Rows != height)
                throw new ImageDecodeException($"decoded size {mat.Cols} x {mat.Rows} does not match the header's {width} x {height}");
            if (mat.Depth() != MatType.CV_8U)
            {
                // A 16-bit PNG read unchanged: keep its channels, scale to 8 bits (ImageHeader.BitDepth tells callers).
                var eight = new Mat();
                mat.ConvertTo(eight, MatType.CV_8U, 1.0 / 257.0);
                mat.Dispose();
                mat = eight;
            }
            return new Image(mat);
        }
        catch
        {
            mat.Dispose();
            throw;
        }
    }

    /// <summary>Reads the format, size and bit depth from a PNG IHDR or JPEG frame header without decoding.</summary>
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data) => ImageIntegrity.ReadHeader(data).Image;
}
