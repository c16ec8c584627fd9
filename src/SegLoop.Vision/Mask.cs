using System.Numerics;
using OpenCvSharp;

namespace SegLoop.Vision;

/// <summary>A binary mask: Width x Height bytes, row-major, 1 for foreground and 0 for background. Immutable.</summary>
public sealed class Mask
{
    private readonly byte[] _data;

    /// <summary>An all-background mask.</summary>
    public Mask(int width, int height)
        : this(width, height, new byte[checked(Positive(width, nameof(width)) * Positive(height, nameof(height)))])
    {
    }

    private Mask(int width, int height, byte[] data)
    {
        Width = width;
        Height = height;
        _data = data;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Row-major 0/1 values.</summary>
    public ReadOnlySpan<byte> Data => _data;

    public bool this[int x, int y] => _data[checked((y * Width) + x)] != 0;

    /// <summary>Number of foreground pixels.</summary>
    public int Area => CountOnes();

    /// <summary>Copies row-major bytes (Width x Height); any non-zero value (1, 255, a class id) becomes foreground.</summary>
    public static Mask FromBytes(int width, int height, ReadOnlySpan<byte> values)
    {
        Positive(width, nameof(width));
        Positive(height, nameof(height));
        if (values.Length != checked(width * height))
            throw new ArgumentException($"expected {width * height} bytes for a {width} x {height} mask, got {values.Length}", nameof(values));
        var data = new byte[values.Length];
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<byte>.Count; i += Vector<byte>.Count)
                Vector.Min(new Vector<byte>(values[i..]), Vector<byte>.One).CopyTo(data.AsSpan(i));
        }
        for (; i < values.Length; i++)
            data[i] = values[i] != 0 ? (byte)1 : (byte)0;
        return new Mask(width, height, data);
    }

    /// <summary>A single-channel image's non-zero pixels as foreground.</summary>
    public static Mask FromImage(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 1)
            throw new ArgumentException($"a mask needs a single-channel image, got {image.Channels} channels", nameof(image));
        return FromBytes(image.Width, image.Height, image.Pixels);
    }

    /// <summary>A single-channel image with <paramref name="foreground"/> where the mask is set.</summary>
    public Image ToImage(byte foreground = 255)
    {
        var bytes = new byte[_data.Length];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = _data[i] != 0 ? foreground : (byte)0;
        return Image.FromPixels(Width, Height, 1, bytes);
    }

    /// <summary>A copy of the 0/1 bytes.</summary>
    public byte[] ToArray() => (byte[])_data.Clone();

    /// <summary>|A ∩ B| / |A ∪ B|; 0 when both are empty.</summary>
    public double IntersectionOverUnion(Mask other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Width != Width || other.Height != Height)
            throw new ArgumentException($"masks differ in size: {Width} x {Height} and {other.Width} x {other.Height}", nameof(other));
        long intersection = 0, union = 0;
        for (var i = 0; i < _data.Length; i++)
        {
            intersection += _data[i] & other._data[i];
            union += _data[i] | other._data[i];
        }
        return union == 0 ? 0 : (double)intersection / union;
    }

    internal static Mask Wrap(int width, int height, byte[] zeroOrOne) => new(width, height, zeroOrOne);

    /// <summary>A new CV_8UC1 matrix holding the 0/1 bytes (the caller disposes it).</summary>
    internal unsafe Mat ToMat()
    {
        OpenCvThreads.Ensure();
        var mat = new Mat(Height, Width, MatType.CV_8UC1);
        _data.CopyTo(new Span<byte>((void*)mat.Data, _data.Length));
        return mat;
    }

    /// <summary>Copies a CV_8UC1 matrix into a mask (non-zero becomes 1).</summary>
    internal static unsafe Mask FromMat(Mat mat)
    {
        if (mat.Type() != MatType.CV_8UC1 || !mat.IsContinuous())
            throw new VisionException(-6, $"a mask needs a continuous CV_8UC1 matrix, got type {mat.Type()}");
        return FromBytes(mat.Cols, mat.Rows, new ReadOnlySpan<byte>((void*)mat.Data, checked(mat.Rows * mat.Cols)));
    }

    private int CountOnes()
    {
        var count = 0;
        foreach (var b in _data)
            count += b;
        return count;
    }

    private static int Positive(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, name);
        return value;
    }
}
