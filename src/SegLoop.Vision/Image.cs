using OpenCvSharp;
using CvRect = OpenCvSharp.Rect;
using CvSize = OpenCvSharp.Size;

namespace SegLoop.Vision;

/// <summary>
/// An 8-bit image in native memory (an OpenCV <see cref="OpenCvSharp.Mat"/> this owns): rows top to bottom, channels
/// interleaved, colour in BGR order. Dispose it; operations return new images and leave this one unchanged.
/// </summary>
public sealed class Image : IDisposable
{
    private const int ArgumentError = -1;
    private readonly Mat _mat;

    /// <summary>Takes ownership of <paramref name="mat"/> (8-bit, 1, 3 or 4 channels); disposes it if it is refused.</summary>
    internal Image(Mat mat)
    {
        OpenCvThreads.Ensure();
        try
        {
            var channels = mat.Channels();
            if (mat.Depth() != MatType.CV_8U || channels is not (1 or 3 or 4) || mat.Dims != 2)
                throw new VisionException(ArgumentError, $"invalid argument: unsupported OpenCV type {mat.Type()} for an image");
            if (!mat.IsContinuous())
            {
                var copy = mat.Clone();
                mat.Dispose();
                mat = copy;
            }
            _mat = mat;
            Width = mat.Cols;
            Height = mat.Rows;
            Channels = channels;
        }
        catch
        {
            mat.Dispose();
            throw;
        }
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>1 (grey), 3 (BGR) or 4 (BGRA).</summary>
    public int Channels { get; }

    /// <summary>
    /// The pixels, Width x Height x Channels bytes, row-major and interleaved, over the native memory (no copy).
    /// Valid while this image is alive and not disposed.
    /// </summary>
    public unsafe Span<byte> Pixels => new((void*)Mat.Data, checked(Width * Height * Channels));

    /// <summary>The OpenCV matrix this image owns (continuous, CV_8UC1/3/4), for calling <c>Cv2</c> directly. Do not dispose it.</summary>
    internal Mat Mat
    {
        get
        {
            ObjectDisposedException.ThrowIf(_mat.IsDisposed, this);
            return _mat;
        }
    }

    /// <summary>Copies interleaved 8-bit pixels (Width x Height x Channels bytes) into a new image.</summary>
    public static unsafe Image FromPixels(int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3 or 4))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1, 3 or 4");
        var rowBytes = checked(width * channels);
        if (pixels.Length != checked(rowBytes * height))
            throw new ArgumentException($"expected {rowBytes * height} bytes for {width} x {height} x {channels}, got {pixels.Length}", nameof(pixels));
        var image = new Image(new Mat(height, width, MatType.CV_8UC(channels)));
        pixels.CopyTo(image.Pixels);
        return image;
    }

    /// <summary>Copies the window; the parts of it outside the image are filled with <paramref name="padValue"/> in every channel.</summary>
    public Image Crop(Rect window, double padValue = 0)
    {
        var mat = Mat;
        if (window.Width <= 0 || window.Height <= 0)
            throw new VisionException(ArgumentError, "invalid argument: crop width and height must be positive");
        long x0 = Math.Max(window.X, 0), y0 = Math.Max(window.Y, 0);
        long x1 = Math.Min((long)window.X + window.Width, mat.Cols), y1 = Math.Min((long)window.Y + window.Height, mat.Rows);
        var pad = Scalar.All(padValue);
        if (x0 >= x1 || y0 >= y1)
            return new Image(new Mat(window.Height, window.Width, mat.Type(), pad));
        using var inside = new Mat(mat, new CvRect((int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0)));
        return Produce(result => Cv2.CopyMakeBorder(inside, result, (int)(y0 - window.Y), (int)((long)window.Y + window.Height - y1),
            (int)(x0 - window.X), (int)((long)window.X + window.Width - x1), BorderTypes.Constant, pad));
    }

    public Image Resize(int width, int height, Interpolation interpolation)
    {
        var mat = Mat;
        if (width <= 0 || height <= 0)
            throw new VisionException(ArgumentError, "invalid argument: resize width and height must be positive");
        if (!Enum.IsDefined(interpolation))
            throw new VisionException(ArgumentError, "invalid argument: interpolation must be linear, area or Lanczos4");
        return Produce(result => Cv2.Resize(mat, result, new CvSize(width, height), 0, 0, (InterpolationFlags)interpolation));
    }

    /// <summary>Swaps a three-channel image from BGR to RGB (or back).</summary>
    public Image BgrToRgb()
    {
        var mat = Mat;
        if (Channels != 3)
            throw new VisionException(ArgumentError, "invalid argument: BGR to RGB needs an 8-bit three-channel image");
        return Produce(result => Cv2.CvtColor(mat, result, ColorConversionCodes.BGR2RGB));
    }

    public byte[] EncodeJpeg(int quality = 95)
    {
        var mat = Mat;
        if (quality is < 0 or > 100)
            throw new VisionException(ArgumentError, "invalid argument: JPEG quality must be 0..100");
        if (Channels == 4)
            throw new VisionException(ArgumentError, "invalid argument: JPEG cannot store an alpha channel");
        return Encode(mat, ".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
    }

    /// <summary>Lossless PNG; <paramref name="compression"/> 0 (fastest) .. 9 (smallest).</summary>
    public byte[] EncodePng(int compression = 3)
    {
        var mat = Mat;
        if (compression is < 0 or > 9)
            throw new VisionException(ArgumentError, "invalid argument: PNG compression must be 0..9");
        return Encode(mat, ".png", new ImageEncodingParam(ImwriteFlags.PngCompression, compression));
    }

    public void Dispose() => _mat.Dispose();

    /// <summary>Runs an OpenCV call that writes into a new Mat and wraps the result (disposed if the call throws).</summary>
    internal static Image Produce(Action<Mat> write)
    {
        var result = new Mat();
        try
        {
            write(result);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return new Image(result);
    }

    private static byte[] Encode(Mat mat, string extension, ImageEncodingParam parameter)
    {
        Cv2.ImEncode(extension, mat, out var bytes, parameter);
        return bytes;
    }
}
