using SegLoop.Vision.Coco;

namespace SegLoop.Vision.Tests.Coco;

/// <summary>Independent pixel-level references for checking RLE results: plain loops over a row-major mask.</summary>
internal static class PixelReference
{
    public static long Area(byte[] mask) => mask.LongCount(b => b != 0);

    /// <summary>The tight box around set pixels, all zero for an empty mask.</summary>
    public static RleBox Box(byte[] mask, int height, int width)
    {
        int xs = width, ys = height, xe = -1, ye = -1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (mask[y * width + x] == 0)
                    continue;
                xs = Math.Min(xs, x);
                xe = Math.Max(xe, x);
                ys = Math.Min(ys, y);
                ye = Math.Max(ye, y);
            }
        }
        return xe < 0 ? default : new RleBox(xs, ys, xe - xs + 1, ye - ys + 1);
    }

    public static byte[] Binary(byte[] mask) => mask.Select(b => b != 0 ? (byte)1 : (byte)0).ToArray();

    public static byte[] Combine(byte[] a, byte[] b, bool intersect) =>
        a.Zip(b, (p, q) => intersect ? (byte)(p != 0 && q != 0 ? 1 : 0) : (byte)(p != 0 || q != 0 ? 1 : 0)).ToArray();

    public static double Iou(byte[] dt, byte[] gt, bool crowd)
    {
        long i = 0, u = 0, dtArea = 0;
        for (var k = 0; k < dt.Length; k++)
        {
            var a = dt[k] != 0;
            var b = gt[k] != 0;
            if (a)
                dtArea++;
            if (a || b)
                u++;
            if (a && b)
                i++;
        }
        if (i == 0)
            return 0;
        return (double)i / (crowd ? dtArea : u);
    }
}
