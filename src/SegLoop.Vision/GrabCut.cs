using System.Runtime.InteropServices;
using OpenCvSharp;
using CvRect = OpenCvSharp.Rect;

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
    private const byte ProbableForegroundValue = (byte)GrabCutLabel.ProbableForeground;

    /// <summary>Segments the object inside <paramref name="rect"/>: outside is background, inside is probably foreground.</summary>
    public static Mask FromRect(Image image, Rect rect, int iterations = 5)
    {
        var (mat, window) = Check(image, rect, iterations);
        if ((long)window.Width * window.Height >= (long)mat.Cols * mat.Rows)
            throw Invalid("GrabCut rectangle covers the whole image: no background to learn from");
        using var labels = new Mat();
        using var background = new Mat();
        using var foreground = new Mat();
        Cv2.GrabCut(mat, labels, window, background, foreground, iterations, GrabCutModes.InitWithRect);
        return Result(labels);
    }

    /// <summary>
    /// Segments from per-pixel seeds (Width x Height, row-major); pixels outside <paramref name="rect"/> are forced to
    /// background. The seeds must mark some (probable) foreground and some (probable) background.
    /// </summary>
    public static unsafe Mask FromSeeds(Image image, Rect rect, ReadOnlySpan<GrabCutLabel> seeds, int iterations = 5)
    {
        var (mat, window) = Check(image, rect, iterations);
        var bytes = MemoryMarshal.AsBytes(seeds);
        if (bytes.Length != (long)mat.Cols * mat.Rows)
            throw Invalid("seeds must be an 8-bit mask the size of the image");
        if (bytes.ContainsAnyInRange((byte)(ProbableForegroundValue + 1), byte.MaxValue))
            throw Invalid("seed values must be 0 (background), 1 (foreground), 2 (probable background) or 3 (probable foreground)");
        using var labels = new Mat(mat.Rows, mat.Cols, MatType.CV_8UC1, Scalar.All((int)GrabCutLabel.Background));
        var target = new Span<byte>((void*)labels.Data, bytes.Length);
        bool anyForeground = false, anyBackground = false;
        for (var y = window.Y; y < window.Bottom; y++)
        {
            var row = y * mat.Cols;
            var inside = bytes.Slice(row + window.X, window.Width);
            inside.CopyTo(target.Slice(row + window.X, window.Width));
            foreach (var label in inside)
            {
                // GC_FGD (1) and GC_PR_FGD (3) are the odd labels.
                anyForeground |= (label & 1) != 0;
                anyBackground |= (label & 1) == 0;
            }
        }
        if (window.Width * window.Height < bytes.Length)
            anyBackground = true; // outside the rectangle is background
        if (!anyForeground || !anyBackground)
            throw Invalid("seeds must mark both some foreground and some background");
        using var background = new Mat();
        using var foreground = new Mat();
        Cv2.GrabCut(mat, labels, window, background, foreground, iterations, GrabCutModes.InitWithMask);
        return Result(labels);
    }

    /// <summary>The image's matrix and the part of <paramref name="rect"/> inside it, after the checks both modes share.</summary>
    private static (Mat Mat, CvRect Window) Check(Image image, Rect rect, int iterations)
    {
        ArgumentNullException.ThrowIfNull(image);
        var mat = image.Mat;
        if (iterations <= 0)
            throw Invalid("iterations must be positive");
        if (image.Channels != 3)
            throw Invalid("GrabCut needs an 8-bit three-channel (BGR) image");
        var window = new CvRect(rect.X, rect.Y, rect.Width, rect.Height) & new CvRect(0, 0, mat.Cols, mat.Rows);
        if (window.Width <= 0 || window.Height <= 0)
            throw Invalid("GrabCut rectangle does not overlap the image");
        OpenCvThreads.Ensure();
        return (mat, window);
    }

    private static Mask Result(Mat labels)
    {
        Cv2.BitwiseAnd(labels, Scalar.All(1), labels);
        return Mask.FromMat(labels);
    }

    private static VisionException Invalid(string message) => new(-1, "invalid argument: " + message);
}
