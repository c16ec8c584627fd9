namespace SegLoop.Vision;

/// <summary>Per-pixel GrabCut seeds; the values are OpenCV's GC_* constants.</summary>
public enum GrabCutLabel : byte
{
    Background = 0,
    Foreground = 1,
    ProbableBackground = 2,
    ProbableForeground = 3,
}

/// <summary>OpenCV GrabCut segmentation of a BGR image.</summary>
public static class GrabCut
{
    /// <summary>Segments the object inside <paramref name="rect"/>: outside is background, inside is probably foreground.</summary>
    public static Mask FromRect(Image image, Rect rect, int iterations = 5)
    {
        ArgumentNullException.ThrowIfNull(image);
        NativeStatus.Check(NativeMethods.sl_grabcut_rect(image.Handle, IntPtr.Zero, rect.X, rect.Y, rect.Width, rect.Height, iterations, out var result));
        return Mask.FromNative(result);
    }

    /// <summary>
    /// Segments from per-pixel seeds (Width x Height, row-major); pixels outside <paramref name="rect"/> are forced to
    /// background. The seeds must mark some (probable) foreground and some (probable) background.
    /// </summary>
    public static Mask FromSeeds(Image image, Rect rect, ReadOnlySpan<GrabCutLabel> seeds, int iterations = 5)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(seeds);
        using var seedImage = Image.FromPixels(image.Width, image.Height, 1, bytes);
        NativeStatus.Check(NativeMethods.sl_grabcut(image.Handle, seedImage.Handle, rect.X, rect.Y, rect.Width, rect.Height, iterations, out var result));
        return Mask.FromNative(result);
    }
}
