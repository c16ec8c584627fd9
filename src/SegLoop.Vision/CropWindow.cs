
namespace SegLoop.Vision;

/// <summary>Padding added to each side of an object's box, in pixels.</summary>
public readonly record struct Padding(int Left, int Top, int Right, int Bottom);

/// <summary>Padding as fractions of the box: left/right of its width, top/bottom of its height.</summary>
public readonly record struct PaddingFractions(double Left, double Top, double Right, double Bottom)
{
    /// <summary>The fractions in pixels of <paramref name="box"/>, rounded half away from zero.</summary>
    public Padding ToPixels(Rect box) => new(
        Round(Left * box.Width), Round(Top * box.Height), Round(Right * box.Width), Round(Bottom * box.Height));

    private static int Round(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);
}

/// <summary>
/// An object-centred crop window in source-image pixels. <see cref="Window"/> may extend past the image; the
/// part inside it is <see cref="ValidRegion"/> (in crop pixels), the rest is padding. The central pixel of the
/// window, <c>(Window.Width / 2, Window.Height / 2)</c> with integer division, is <see cref="Centre"/>.
/// </summary>
public sealed record CropWindow(Rect Window, Point Centre, Rect Box, Padding Padding, Rect ValidRegion)
{
    /// <summary>True when part of the window lies outside the image (and is filled with the pad value).</summary>
    public bool IsPadded => ValidRegion.Width != Window.Width || ValidRegion.Height != Window.Height;

    /// <summary>
    /// The smallest window whose central pixel <c>(w / 2, h / 2)</c> is <paramref name="centre"/> and which holds
    /// <paramref name="box"/> grown by <paramref name="padding"/> on every side. Per axis, with <c>a</c> pixels
    /// needed before the centre and <c>b</c> after: an odd size <c>2 max(a, b) + 1</c> when <c>b &gt;= a</c>, else the
    /// even size <c>2a</c> (an even window has one pixel more before its central pixel than after it).
    /// </summary>
    /// <param name="box">The object's tight box in the source image.</param>
    /// <param name="centre">A pixel inside <paramref name="box"/> (for crops: <see cref="CentrePixel.Find(ReadOnlySpan{byte}, int, int)"/>).</param>
    /// <param name="padding">Pixels to add on each side of <paramref name="box"/>; none negative.</param>
    /// <param name="imageWidth">Source image width, for the valid region.</param>
    /// <param name="imageHeight">Source image height, for the valid region.</param>
    public static CropWindow Compute(Rect box, Point centre, Padding padding, int imageWidth, int imageHeight)
    {
        if (box.Width <= 0 || box.Height <= 0)
            throw new ArgumentOutOfRangeException(nameof(box), box, "the box must have a positive width and height");
        if (centre.X < box.X || centre.X >= box.Right || centre.Y < box.Y || centre.Y >= box.Bottom)
            throw new ArgumentOutOfRangeException(nameof(centre), centre, $"the centre must lie inside the box {box}");
        if (padding.Left < 0 || padding.Top < 0 || padding.Right < 0 || padding.Bottom < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding cannot be negative");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageHeight);

        var (x, width) = Axis(centre.X, box.X - padding.Left, box.Right - 1 + padding.Right);
        var (y, height) = Axis(centre.Y, box.Y - padding.Top, box.Bottom - 1 + padding.Bottom);
        var window = new Rect(x, y, width, height);
        return new CropWindow(window, centre, box, padding, ValidRegionOf(window, imageWidth, imageHeight));
    }

    /// <summary><see cref="Compute(Rect, Point, Padding, int, int)"/> with padding as fractions of the box.</summary>
    public static CropWindow Compute(Rect box, Point centre, PaddingFractions padding, int imageWidth, int imageHeight) =>
        Compute(box, centre, padding.ToPixels(box), imageWidth, imageHeight);

    /// <summary>The part of <paramref name="window"/> inside a <paramref name="imageWidth"/> x <paramref name="imageHeight"/> image, in window pixels.</summary>
    public static Rect ValidRegionOf(Rect window, int imageWidth, int imageHeight)
    {
        var x0 = Math.Clamp(window.X, 0, imageWidth);
        var y0 = Math.Clamp(window.Y, 0, imageHeight);
        var x1 = Math.Clamp(window.Right, 0, imageWidth);
        var y1 = Math.Clamp(window.Bottom, 0, imageHeight);
        return new Rect(x0 - window.X, y0 - window.Y, Math.Max(0, x1 - x0), Math.Max(0, y1 - y0));
    }

    // first..last (inclusive) must be covered; c is the central pixel at index size / 2.
    private static (int Start, int Size) Axis(int c, int first, int last)
    {
        var before = c - first;
        var after = last - c;
        // Odd size 2k+1: k before and k after. Even size 2k: k before and k-1 after.
        var size = before > after ? 2 * before : (2 * after) + 1;
        return (c - (size / 2), size);
    }
}
