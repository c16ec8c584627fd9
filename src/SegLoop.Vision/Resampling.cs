using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegLoop.Vision;

/// <summary>
/// Antialiased separable resampling with the arithmetic of Pillow's <c>Image.resize</c> (its Resample.c): the filter
/// is stretched by the scale factor when shrinking (so every source pixel counts, unlike OpenCV's fixed 8 x 8
/// Lanczos), weights are normalised per output pixel and applied in 22-bit fixed point, the horizontal pass runs first
/// and both passes round to 8 bits. rembg prepares u2netp's input this way (<c>resize((320, 320), LANCZOS)</c>), so the
/// model sees what it saw in training. Both passes are vectorised (the horizontal one on the transposed image).
/// </summary>
public static class Resampling
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const int Half = 1 << (PrecisionBits - 1);
    private const double LanczosSupport = 3.0;

    /// <summary>
    /// Resizes interleaved 8-bit pixels (<paramref name="width"/> x <paramref name="height"/> x <paramref name="channels"/>,
    /// row-major) into <paramref name="target"/> (<paramref name="targetWidth"/> x <paramref name="targetHeight"/> x channels)
    /// with Pillow's LANCZOS filter (a = 3).
    /// </summary>
    public static void Lanczos(ReadOnlySpan<byte> source, int width, int height, int channels, Span<byte> target, int targetWidth, int targetHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetHeight);
        if (channels is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 to 4");
        if (source.Length != checked(width * height * channels))
            throw new ArgumentException($"expected {width * height * channels} source bytes for {width} x {height} x {channels}, got {source.Length}", nameof(source));
        if (target.Length != checked(targetWidth * targetHeight * channels))
            throw new ArgumentException($"expected {targetWidth * targetHeight * channels} target bytes for {targetWidth} x {targetHeight} x {channels}, got {target.Length}", nameof(target));

        var vertical = Coefficients.For(height, targetHeight);
        if (targetWidth == width)
        {
            if (targetHeight == height)
                source.CopyTo(target);
            else
                Vertical(source, width * channels, vertical, 0, target);
            return;
        }

        var horizontal = Coefficients.For(width, targetWidth);
        if (targetHeight == height)
        {
            Horizontal(source, width, channels, 0, height, horizontal, target);
            return;
        }

        // Only the source rows the vertical pass reads go through the horizontal one (as Pillow does).
        var firstRow = vertical.Bounds[0];
        var lastRow = vertical.Bounds[(2 * targetHeight) - 2] + vertical.Bounds[(2 * targetHeight) - 1];
        var rowBytes = targetWidth * channels;
        var temporaryLength = (lastRow - firstRow) * rowBytes;
        var temporary = ArrayPool<byte>.Shared.Rent(temporaryLength);
        try
        {
            var rows = temporary.AsSpan(0, temporaryLength);
            Horizontal(source, width, channels, firstRow, lastRow - firstRow, horizontal, rows);
            Vertical(rows, rowBytes, vertical, firstRow, target);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temporary);
        }
    }

    /// <summary>
    /// The horizontal pass as a vertical one on the transposed image, so both passes run vectorised: transpose (pixels
    /// keep their channels together), resample whole rows, transpose back. Same sums, same rounding.
    /// </summary>
    private static void Horizontal(ReadOnlySpan<byte> source, int width, int channels, int firstRow, int rowCount, Coefficients c, Span<byte> target)
    {
        var targetWidth = c.Bounds.Length / 2;
        var columnsLength = width * rowCount * channels;
        var resampledLength = targetWidth * rowCount * channels;
        var columns = ArrayPool<byte>.Shared.Rent(columnsLength);
        var resampled = ArrayPool<byte>.Shared.Rent(resampledLength);
        try
        {
            Transpose(source.Slice(firstRow * width * channels, columnsLength), width, rowCount, channels, columns.AsSpan(0, columnsLength));
            Vertical(columns.AsSpan(0, columnsLength), rowCount * channels, c, 0, resampled.AsSpan(0, resampledLength));
            Transpose(resampled.AsSpan(0, resampledLength), rowCount, targetWidth, channels, target);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(columns);
            ArrayPool<byte>.Shared.Return(resampled);
        }
    }

    /// <summary>width x height pixels of <paramref name="channels"/> bytes to height x width, in cache-sized tiles.</summary>
    private static void Transpose(ReadOnlySpan<byte> source, int width, int height, int channels, Span<byte> target)
    {
        const int Tile = 32;
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(target);
        for (var y0 = 0; y0 < height; y0 += Tile)
        {
            var y1 = Math.Min(height, y0 + Tile);
            for (var x0 = 0; x0 < width; x0 += Tile)
            {
                var x1 = Math.Min(width, x0 + Tile);
                for (var y = y0; y < y1; y++)
                {
                    for (var x = x0; x < x1; x++)
                    {
                        var s = ((y * width) + x) * channels;
                        var t = ((x * height) + y) * channels;
                        for (var ch = 0; ch < channels; ch++)
                            Unsafe.Add(ref to, t + ch) = Unsafe.Add(ref from, s + ch);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Each output row is a weighted sum of whole source rows. Vectorised over the row: a vector of bytes widens to
    /// four vectors of ints that accumulate in registers across the taps, then shift, clamp and narrow back to bytes.
    /// </summary>
    private static void Vertical(ReadOnlySpan<byte> source, int rowBytes, Coefficients c, int firstRow, Span<byte> target)
    {
        var targetHeight = c.Bounds.Length / 2;
        var lanes = Vector<byte>.Count;
        var quarter = Vector<int>.Count;
        var vectorEnd = Vector.IsHardwareAccelerated ? rowBytes - (rowBytes % lanes) : 0;
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(target);
        var zero = Vector<int>.Zero;
        var top = new Vector<int>(255);
        for (var y = 0; y < targetHeight; y++)
        {
            var start = c.Bounds[2 * y] - firstRow;
            var weights = c.Weights.AsSpan(y * c.Size, c.Bounds[(2 * y) + 1]);
            var rowStart = (nuint)(start * rowBytes);
            var output = (nuint)(y * rowBytes);
            var i = 0;
            for (; i < vectorEnd; i += lanes)
            {
                var a0 = new Vector<int>(Half);
                var a1 = a0;
                var a2 = a0;
                var a3 = a0;
                var offset = rowStart + (nuint)i;
                foreach (var w in weights)
                {
                    var weight = new Vector<int>(w);
                    Vector.Widen(Vector.LoadUnsafe(ref from, offset), out var low, out var high);
                    Vector.Widen(low, out var p0, out var p1);
                    Vector.Widen(high, out var p2, out var p3);
                    a0 += Vector.AsVectorInt32(p0) * weight;
                    a1 += Vector.AsVectorInt32(p1) * weight;
                    a2 += Vector.AsVectorInt32(p2) * weight;
                    a3 += Vector.AsVectorInt32(p3) * weight;
                    offset += (nuint)rowBytes;
                }
                var b0 = Vector.AsVectorUInt32(Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a0, PrecisionBits), zero), top));
                var b1 = Vector.AsVectorUInt32(Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a1, PrecisionBits), zero), top));
                var b2 = Vector.AsVectorUInt32(Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a2, PrecisionBits), zero), top));
                var b3 = Vector.AsVectorUInt32(Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a3, PrecisionBits), zero), top));
                Vector.Narrow(Vector.Narrow(b0, b1), Vector.Narrow(b2, b3)).StoreUnsafe(ref to, output + (nuint)i);
            }
            for (; i < rowBytes; i++)
            {
                var sum = Half;
                for (var k = 0; k < weights.Length; k++)
                    sum += Unsafe.Add(ref from, (int)rowStart + (k * rowBytes) + i) * weights[k];
                Unsafe.Add(ref to, (int)output + i) = Clip8(sum);
            }
        }
    }

    private static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    private static double Sinc(double x)
    {
        if (x == 0.0)
            return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static double LanczosFilter(double x) => x is >= -LanczosSupport and < LanczosSupport ? Sinc(x) * Sinc(x / LanczosSupport) : 0.0;

    /// <summary>Per output pixel: the first source pixel and how many follow (Bounds), and their fixed-point weights.</summary>
    private sealed record Coefficients(int Size, int[] Bounds, int[] Weights)
    {
        // Working the weights out costs two sines per tap, more than resampling a box crop; crops of the same side
        // recur, so the tables are kept (and all dropped once there are many, to bound the memory).
        private const int CacheLimit = 512;
        private static readonly ConcurrentDictionary<(int In, int Out), Coefficients> Cache = new();

        public static Coefficients For(int inSize, int outSize)
        {
            if (Cache.TryGetValue((inSize, outSize), out var cached))
                return cached;
            if (Cache.Count >= CacheLimit)
                Cache.Clear();
            return Cache[(inSize, outSize)] = Compute(inSize, outSize);
        }

        private static Coefficients Compute(int inSize, int outSize)
        {
            var scale = (double)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = LanczosSupport * filterScale;
            var size = ((int)Math.Ceiling(support) * 2) + 1;
            var bounds = new int[2 * outSize];
            var weights = new int[checked(outSize * size)];
            var k = new double[size];
            var reciprocal = 1.0 / filterScale; // multiplied, not divided, as Pillow does: the same doubles, the same weights
            for (var o = 0; o < outSize; o++)
            {
                var centre = (o + 0.5) * scale;
                var min = Math.Max(0, (int)(centre - support + 0.5));
                var count = Math.Min(inSize, (int)(centre + support + 0.5)) - min;
                var total = 0.0;
                for (var x = 0; x < count; x++)
                {
                    k[x] = LanczosFilter((x + min - centre + 0.5) * reciprocal);
                    total += k[x];
                }
                for (var x = 0; x < count; x++)
                {
                    var w = total != 0.0 ? k[x] / total : k[x];
                    weights[(o * size) + x] = w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));
                }
                bounds[2 * o] = min;
                bounds[(2 * o) + 1] = count;
            }
            return new Coefficients(size, bounds, weights);
        }
    }
}
