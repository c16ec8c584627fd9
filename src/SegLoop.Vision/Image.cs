namespace SegLoop.Vision;

/// <summary>
/// An 8-bit image in native memory (OpenCV's cv::Mat): rows top to bottom, channels interleaved, colour in BGR order.
/// Dispose it; operations return new images and leave this one unchanged.
/// </summary>
public sealed class Image : IDisposable
{
    private readonly MatHandle _handle;
    private readonly unsafe byte* _data;

    internal unsafe Image(MatHandle handle)
    {
        _handle = handle;
        try
        {
            NativeStatus.Check(NativeMethods.sl_mat_info(handle, out var rows, out var cols, out var type, out var channels, out var data, out var step));
            if (type is not (0 or 8 or 16 or 24)) // CV_8UC1..CV_8UC4
                throw new VisionException(-1, $"native image has unsupported OpenCV type {type}");
            if (step != (nuint)(cols * channels))
                throw new VisionException(-6, "native image rows are not contiguous");
            Width = cols;
            Height = rows;
            Channels = channels;
            _data = data;
        }
        catch
        {
            handle.Dispose();
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
    public unsafe Span<byte> Pixels
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return new Span<byte>(_data, checked(Width * Height * Channels));
        }
    }

    internal MatHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
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
        MatHandle mat;
        fixed (byte* p = pixels)
            NativeStatus.Check(NativeMethods.sl_mat_create(height, width, (channels - 1) * 8, p, (nuint)rowBytes, out mat));
        return new Image(mat);
    }

    /// <summary>Copies the window; the parts of it outside the image are filled with <paramref name="padValue"/> in every channel.</summary>
    public Image Crop(Rect window, double padValue = 0)
    {
        NativeStatus.Check(NativeMethods.sl_crop(Handle, window.X, window.Y, window.Width, window.Height, padValue, out var result));
        return new Image(result);
    }

    public Image Resize(int width, int height, Interpolation interpolation)
    {
        NativeStatus.Check(NativeMethods.sl_resize(Handle, width, height, (int)interpolation, out var result));
        return new Image(result);
    }

    /// <summary>Swaps a three-channel image from BGR to RGB (or back).</summary>
    public Image BgrToRgb()
    {
        NativeStatus.Check(NativeMethods.sl_bgr_to_rgb(Handle, out var result));
        return new Image(result);
    }

    public byte[] EncodeJpeg(int quality = 95) => Encode(jpeg: true, quality);

    /// <summary>Lossless PNG; <paramref name="compression"/> 0 (fastest) .. 9 (smallest).</summary>
    public byte[] EncodePng(int compression = 3) => Encode(jpeg: false, compression);

    private unsafe byte[] Encode(bool jpeg, int parameter)
    {
        byte* buffer;
        nuint length;
        var status = jpeg
            ? NativeMethods.sl_encode_jpeg(Handle, parameter, out buffer, out length)
            : NativeMethods.sl_encode_png(Handle, parameter, out buffer, out length);
        try
        {
            NativeStatus.Check(status);
            return new ReadOnlySpan<byte>(buffer, checked((int)length)).ToArray();
        }
        finally
        {
            NativeMethods.sl_buffer_free(buffer);
        }
    }

    public void Dispose() => _handle.Dispose();
}
