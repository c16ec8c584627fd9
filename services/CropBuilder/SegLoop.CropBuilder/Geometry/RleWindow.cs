using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.CropBuilder.Geometry;

/// <summary>
/// Decodes only a window of a COCO RLE mask, walking the column-major runs and skipping the columns outside it,
/// so a crop never needs the full-image mask. Memory is the window's size; time is the runs up to its last column
/// plus the window's set pixels.
/// </summary>
public static class RleWindow
{
    /// <summary>
    /// The mask inside <paramref name="window"/> (which may extend past the image: those pixels are 0), row-major,
    /// <c>window.Width x window.Height</c> bytes of 0 and <paramref name="foreground"/>.
    /// </summary>
    public static byte[] Decode(RleMask rle, Rect window, byte foreground = 1)
    {
        var output = new byte[checked(window.Width * window.Height)];
        DecodeInto(rle, window, output, foreground);
        return output;
    }

    /// <summary>Writes the window into <paramref name="output"/> (cleared first); see <see cref="Decode"/>.</summary>
    public static void DecodeInto(RleMask rle, Rect window, Span<byte> output, byte foreground = 1) =>
        DecodeInto(rle, window, output, window.Width, foreground);

    /// <summary>
    /// Writes the window into <paramref name="output"/> with rows <paramref name="stride"/> bytes apart (pixel (x, y)
    /// at <c>y * stride + x</c>), e.g. straight into PNG rows; the whole span is cleared first.
    /// </summary>
    public static void DecodeInto(RleMask rle, Rect window, Span<byte> output, int stride, byte foreground)
    {
        ArgumentNullException.ThrowIfNull(rle);
        if (window.Width <= 0 || window.Height <= 0)
            throw new ArgumentOutOfRangeException(nameof(window), window, "the window must have a positive width and height");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, window.Width);
        if (output.Length < ((long)(window.Height - 1) * stride) + window.Width)
            throw new ArgumentException($"{output.Length} bytes cannot hold a {window.Width} x {window.Height} window at stride {stride}", nameof(output));
        output.Clear();
        long h = rle.Height;
        if (h == 0 || rle.Width == 0)
            return;
        var x0 = Math.Clamp(window.X, 0, rle.Width);
        var x1 = Math.Clamp(window.Right, 0, rle.Width);
        var y0 = window.Y;
        var y1 = window.Bottom;
        if (x0 >= x1 || y1 <= 0 || y0 >= h)
            return;
        long first = x0 * h, end = x1 * h; // the column-major positions of the window's columns
        long position = 0;
        var set = false;
        foreach (var count in rle.Counts)
        {
            if (position >= end)
                break;
            var runEnd = position + count;
            if (set && runEnd > first)
            {
                var s = Math.Max(position, first);
                var e = Math.Min(runEnd, end);
                while (s < e)
                {
                    var column = s / h;
                    var columnStart = column * h;
                    var stop = Math.Min(e, columnStart + h);
                    var r0 = (int)Math.Max(s - columnStart, y0);
                    var r1 = (int)Math.Min(stop - columnStart, y1);
                    var ox = (int)column - window.X;
                    for (var r = r0; r < r1; r++)
                        output[((r - window.Y) * stride) + ox] = foreground;
                    s = stop;
                }
            }
            position = runEnd;
            set = !set;
        }
    }
}
