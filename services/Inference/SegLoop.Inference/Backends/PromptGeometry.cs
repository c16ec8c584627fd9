using SegLoop.Contracts;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>A validated prompt in integer image pixels: its box (clipped to the image), crop window and hints.</summary>
internal sealed record PreparedPrompt(int Index, Rect Box, Rect Window, IReadOnlyList<Click> Clicks, IReadOnlyList<ImagePoint> ExtremePoints)
{
    /// <summary>The box in crop coordinates.</summary>
    public Rect BoxInCrop => Box with { X = Box.X - Window.X, Y = Box.Y - Window.Y };
}

/// <summary>Turns a contract <see cref="Prompt"/> into a <see cref="PreparedPrompt"/>, or throws <see cref="BadPromptException"/>.</summary>
internal static class PromptGeometry
{
    /// <summary>The middle of the training crops' 5-25 % range, fixed so inference is deterministic.</summary>
    public const double DefaultPadding = 0.15;

    /// <summary>
    /// The crop a prompt is segmented in: CropBuilder's training-crop rule (<see cref="SegLoop.Vision.CropWindow.Compute(Rect, Point, Padding, int, int)"/>:
    /// the window whose central pixel (w / 2, h / 2) is the object's centre and which holds the box grown by the padding
    /// fraction of its side), with the box's centre pixel standing in for the mask's (there is no mask yet) and the same
    /// padding on every side. At least one pixel of context per side, so GrabCut always has background to learn from.
    /// The window may reach past the image; crops pad the outside.
    /// </summary>
    public static Rect Window(Rect box, double padding, int imageWidth, int imageHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var pixels = new PaddingFractions(padding, padding, padding, padding).ToPixels(box);
        var atLeastOne = new Padding(Math.Max(1, pixels.Left), Math.Max(1, pixels.Top), Math.Max(1, pixels.Right), Math.Max(1, pixels.Bottom));
        var centre = new Point(box.X + (box.Width / 2), box.Y + (box.Height / 2));
        return CropWindow.Compute(box, centre, atLeastOne, imageWidth, imageHeight).Window;
    }

    public static IReadOnlyList<PreparedPrompt> PrepareAll(IReadOnlyList<Prompt> prompts, int imageWidth, int imageHeight, double padding)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var prepared = new PreparedPrompt[prompts.Count];
        for (var i = 0; i < prompts.Count; i++)
            prepared[i] = Prepare(prompts[i], i, imageWidth, imageHeight, padding);
        return prepared;
    }

    public static PreparedPrompt Prepare(Prompt? prompt, int index, int imageWidth, int imageHeight, double padding)
    {
        if (prompt is null)
            throw new BadPromptException(index, "the prompt is null");
        BoundingBox box;
        var extremePoints = prompt.ExtremePoints ?? [];
        if (prompt.Box is { } given)
        {
            box = given;
        }
        else if (prompt.ExtremePoints is { } points)
        {
            if (points.Count != 4)
                throw new BadPromptException(index, $"needs four extreme points (left, top, right, bottom), got {points.Count}");
            foreach (var p in points)
            {
                if (p is null || !double.IsFinite(p.X) || !double.IsFinite(p.Y))
                    throw new BadPromptException(index, "an extreme point is missing or has a NaN or infinite coordinate");
            }
            var minX = points.Min(p => p.X);
            var minY = points.Min(p => p.Y);
            box = new BoundingBox(minX, minY, points.Max(p => p.X) - minX, points.Max(p => p.Y) - minY);
        }
        else
        {
            throw new BadPromptException(index, "has neither a box nor four extreme points");
        }

        if (!double.IsFinite(box.X) || !double.IsFinite(box.Y) || !double.IsFinite(box.Width) || !double.IsFinite(box.Height))
            throw new BadPromptException(index, $"box {Describe(box)} has a NaN or infinite coordinate");
        if (box.Width <= 0 || box.Height <= 0)
            throw new BadPromptException(index, $"box {Describe(box)} is empty (width and height must be positive)");
        var x0 = Math.Max(0, (int)Math.Floor(box.X));
        var y0 = Math.Max(0, (int)Math.Floor(box.Y));
        var x1 = Math.Min(imageWidth, (int)Math.Ceiling(Math.Min(box.X + box.Width, int.MaxValue / 2.0)));
        var y1 = Math.Min(imageHeight, (int)Math.Ceiling(Math.Min(box.Y + box.Height, int.MaxValue / 2.0)));
        if (x1 <= x0 || y1 <= y0)
            throw new BadPromptException(index, $"box {Describe(box)} lies outside the {imageWidth} x {imageHeight} image");

        var clicks = prompt.Clicks ?? [];
        foreach (var click in clicks)
        {
            if (click is null || !double.IsFinite(click.X) || !double.IsFinite(click.Y))
                throw new BadPromptException(index, "a click is missing or has a NaN or infinite coordinate");
            if (click.X < 0 || click.Y < 0 || click.X >= imageWidth || click.Y >= imageHeight)
                throw new BadPromptException(index, $"click ({click.X}, {click.Y}) lies outside the {imageWidth} x {imageHeight} image");
        }

        var rect = new Rect(x0, y0, x1 - x0, y1 - y0);
        return new PreparedPrompt(index, rect, Window(rect, padding, imageWidth, imageHeight), clicks, extremePoints);
    }

    private static string Describe(BoundingBox b) =>
        FormattableString.Invariant($"[{b.X}, {b.Y}, {b.Width}, {b.Height}]");
}
