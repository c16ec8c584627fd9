using SegLoop.Vision;

namespace SegLoop.CropBuilder.Geometry;

/// <summary>
/// The object pixel nearest the centre of the object's box: a pixel the object owns even when it is concave,
/// has holes or comes in pieces, so a crop (or a click prompt) centred on it always lands on the object.
/// </summary>
public static class CentrePixel
{
    /// <summary>
    /// Searches a row-major mask (<paramref name="width"/> x <paramref name="height"/>, any non-zero byte is set)
    /// that covers exactly the object's box, for the set pixel nearest the box centre
    /// <c>((width - 1) / 2, (height - 1) / 2)</c> (real-valued) by Euclidean distance; ties go to the first in
    /// row-major order. Returns a position relative to the mask; throws when no pixel is set.
    /// </summary>
    public static Point Find(ReadOnlySpan<byte> boxMask, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (boxMask.Length != (long)width * height)
            throw new ArgumentException($"expected {(long)width * height} bytes for a {width} x {height} mask, got {boxMask.Length}", nameof(boxMask));

        // Doubled coordinates keep the half-pixel centre in integers: 2x - (width - 1).
        long best = long.MaxValue;
        var found = new Point(-1, -1);
        for (var y = 0; y < height; y++)
        {
            long dy = (2L * y) - (height - 1);
            var dy2 = dy * dy;
            if (dy2 > best)
                continue;
            var row = boxMask.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                if (row[x] == 0)
                    continue;
                long dx = (2L * x) - (width - 1);
                var d = (dx * dx) + dy2;
                if (d < best)
                {
                    best = d;
                    found = new Point(x, y);
                }
            }
        }
        if (found.X < 0)
            throw new ArgumentException("the mask has no set pixel, so it has no centre pixel", nameof(boxMask));
        return found;
    }

    /// <summary>The set pixel of <paramref name="mask"/> inside <paramref name="box"/> nearest the box centre, in mask coordinates.</summary>
    public static Point Find(Mask mask, Rect box)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (box.X < 0 || box.Y < 0 || box.Width <= 0 || box.Height <= 0 || box.Right > mask.Width || box.Bottom > mask.Height)
            throw new ArgumentOutOfRangeException(nameof(box), box, $"the box must lie inside the {mask.Width} x {mask.Height} mask");
        var region = new byte[box.Width * box.Height];
        var data = mask.Data;
        for (var y = 0; y < box.Height; y++)
            data.Slice(((box.Y + y) * mask.Width) + box.X, box.Width).CopyTo(region.AsSpan(y * box.Width));
        var p = Find(region, box.Width, box.Height);
        return new Point(box.X + p.X, box.Y + p.Y);
    }
}
