using SegLoop.Vision;
using SegLoop.Vision.Coco;

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

    /// <summary>
    /// The same pixel as <see cref="Find(ReadOnlySpan{byte}, int, int)"/> over the RLE decoded inside
    /// <paramref name="box"/>, found from the column runs alone (no mask is decoded): within each run the nearest
    /// row is the centre row clamped to the run. Returns image coordinates; throws when no pixel in the box is set.
    /// </summary>
    public static Point Find(RleMask rle, Rect box)
    {
        ArgumentNullException.ThrowIfNull(rle);
        if (box.Width <= 0 || box.Height <= 0)
            throw new ArgumentOutOfRangeException(nameof(box), box, "the box must have a positive width and height");
        long h = rle.Height;
        // Doubled box centre, so half pixels stay integers.
        long cx2 = (2L * box.X) + box.Width - 1, cy2 = (2L * box.Y) + box.Height - 1;
        var x0 = Math.Max(box.X, 0);
        var x1 = Math.Min(box.Right, rle.Width);
        long first = x0 * h, end = x1 * h;
        long best = long.MaxValue;
        int bestX = -1, bestY = -1;
        long position = 0;
        var set = false;
        foreach (var count in rle.Counts)
        {
            if (position >= end)
                break;
            var runEnd = position + count;
            if (set && runEnd > first && x0 < x1)
            {
                var s = Math.Max(position, first);
                var e = Math.Min(runEnd, end);
                while (s < e)
                {
                    var column = s / h;
                    var columnStart = column * h;
                    var stop = Math.Min(e, columnStart + h);
                    var r0 = Math.Max(s - columnStart, box.Y);
                    var r1 = Math.Min(stop - columnStart, box.Bottom); // exclusive
                    if (r0 < r1)
                    {
                        // Nearest row to the centre; on a half-pixel centre the upper of the two, as row-major order would pick.
                        var y = Math.Clamp(cy2 >> 1, r0, r1 - 1);
                        long dx = (2 * column) - cx2, dy = (2 * y) - cy2;
                        var d = (dx * dx) + (dy * dy);
                        if (d < best || (d == best && (y < bestY || (y == bestY && column < bestX))))
                        {
                            best = d;
                            bestX = (int)column;
                            bestY = (int)y;
                        }
                    }
                    s = stop;
                }
            }
            position = runEnd;
            set = !set;
        }
        if (bestX < 0)
            throw new ArgumentException($"the mask has no set pixel inside {box}, so it has no centre pixel", nameof(rle));
        return new Point(bestX, bestY);
    }
}
