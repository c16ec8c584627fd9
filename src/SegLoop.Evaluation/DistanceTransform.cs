namespace SegLoop.Evaluation;

/// <summary>
/// Exact distance transforms on row-major pixel grids, in plain C# so that the metrics need no native code:
/// squared Euclidean (Felzenszwalb and Huttenlocher's lower envelope of parabolas) and chessboard (a two-pass
/// chamfer with unit weights over the 8-neighbourhood, which is exact for that metric).
/// </summary>
public static class DistanceTransform
{
    /// <summary>Stands for "no feature anywhere"; larger than any squared distance on a mask that fits in memory.</summary>
    public const double Infinity = 1e20;

    /// <summary>
    /// For every pixel, the squared Euclidean distance to the nearest pixel where <paramref name="isFeature"/> is
    /// non-zero; <see cref="Infinity"/> everywhere when there is none.
    /// </summary>
    public static double[] SquaredEuclidean(ReadOnlySpan<byte> isFeature, int width, int height)
    {
        CheckSize(isFeature.Length, width, height);
        var d = new double[isFeature.Length];
        for (var i = 0; i < d.Length; i++)
            d[i] = isFeature[i] != 0 ? 0 : Infinity;
        var longest = Math.Max(width, height);
        var f = new double[longest];
        var result = new double[longest];
        var v = new int[longest];
        var z = new double[longest + 1];
        for (var x = 0; x < width; x++)
        {
            for (var y = 0; y < height; y++)
                f[y] = d[(y * width) + x];
            Envelope(f, height, result, v, z);
            for (var y = 0; y < height; y++)
                d[(y * width) + x] = result[y];
        }
        for (var y = 0; y < height; y++)
        {
            var row = d.AsSpan(y * width, width);
            row.CopyTo(f);
            Envelope(f, width, result, v, z);
            result.AsSpan(0, width).CopyTo(row);
        }
        return d;
    }

    /// <summary>
    /// For every pixel of a region (non-zero in <paramref name="region"/>), the squared Euclidean distance to the
    /// nearest pixel outside it, where everything beyond the image edge counts as outside; 0 off the region.
    /// </summary>
    public static double[] SquaredEuclideanInside(ReadOnlySpan<byte> region, int width, int height)
    {
        CheckSize(region.Length, width, height);
        int pw = width + 2, ph = height + 2;
        var outside = new byte[pw * ph];
        Array.Fill(outside, (byte)1);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
                outside[((y + 1) * pw) + x + 1] = region[(y * width) + x] != 0 ? (byte)0 : (byte)1;
        }
        var padded = SquaredEuclidean(outside, pw, ph);
        var d = new double[region.Length];
        for (var y = 0; y < height; y++)
            padded.AsSpan(((y + 1) * pw) + 1, width).CopyTo(d.AsSpan(y * width, width));
        return d;
    }

    /// <summary>
    /// For every foreground pixel, the chessboard distance (max(|dx|, |dy|)) to the nearest background pixel,
    /// where everything beyond the image edge counts as background (so an edge pixel is at distance 1); 0 on
    /// background. Foreground pixels at distance &lt;= d are exactly those that d iterations of a 3x3 erosion
    /// of the zero-padded mask remove.
    /// </summary>
    public static int[] ChessboardToBackground(ReadOnlySpan<byte> mask, int width, int height)
    {
        CheckSize(mask.Length, width, height);
        var d = new int[mask.Length];
        const int Far = int.MaxValue / 2;
        for (var i = 0; i < d.Length; i++)
            d[i] = mask[i] != 0 ? Far : 0;
        int At(int[] a, int x, int y) => (uint)x < (uint)width && (uint)y < (uint)height ? a[(y * width) + x] : 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                if (d[i] == 0)
                    continue;
                var m = Math.Min(Math.Min(At(d, x - 1, y), At(d, x - 1, y - 1)), Math.Min(At(d, x, y - 1), At(d, x + 1, y - 1)));
                d[i] = Math.Min(d[i], m + 1);
            }
        }
        for (var y = height - 1; y >= 0; y--)
        {
            for (var x = width - 1; x >= 0; x--)
            {
                var i = (y * width) + x;
                if (d[i] == 0)
                    continue;
                var m = Math.Min(Math.Min(At(d, x + 1, y), At(d, x + 1, y + 1)), Math.Min(At(d, x, y + 1), At(d, x - 1, y + 1)));
                d[i] = Math.Min(d[i], m + 1);
            }
        }
        return d;
    }

    // One dimension: d[q] = min over p of (q - p)^2 + f[p], by the lower envelope of the parabolas rooted at each p.
    private static void Envelope(double[] f, int n, double[] d, int[] v, double[] z)
    {
        var k = 0;
        v[0] = 0;
        z[0] = double.NegativeInfinity;
        z[1] = double.PositiveInfinity;
        for (var q = 1; q < n; q++)
        {
            // z[0] is minus infinity, so the loop stops at the first parabola at the latest.
            var s = Intersection(f, q, v[k]);
            while (s <= z[k])
            {
                k--;
                s = Intersection(f, q, v[k]);
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = double.PositiveInfinity;
        }
        k = 0;
        for (var q = 0; q < n; q++)
        {
            while (z[k + 1] < q)
                k++;
            var p = v[k];
            d[q] = Math.Min(Infinity, ((double)(q - p) * (q - p)) + f[p]);
        }
    }

    private static double Intersection(double[] f, int q, int p) =>
        ((f[q] + ((double)q * q)) - (f[p] + ((double)p * p))) / (2.0 * (q - p));

    private static void CheckSize(int length, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (length != checked(width * height))
            throw new ArgumentException($"expected {width * height} pixels for {width} x {height}, got {length}");
    }
}
