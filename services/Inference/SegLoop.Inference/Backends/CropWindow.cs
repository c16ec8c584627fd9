using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// The crop a prompt is segmented in: a window centred on the box centre, each side grown by
/// <c>padding</c> x the box side on both ends (the training crops' rule, with the padding fixed instead of drawn
/// from 5-25 %, so inference is deterministic). The window may reach past the image; crops pad the outside.
/// <para>TODO(lead): unify with services/CropBuilder's CropWindow once both have landed; this copy exists so
/// Inference does not depend on the CropBuilder project.</para>
/// </summary>
internal static class CropWindow
{
    /// <summary>The middle of the training range 5-25 %.</summary>
    public const double DefaultPadding = 0.15;

    public static Rect Around(Rect box, double padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var centreX = box.X + (box.Width / 2.0);
        var centreY = box.Y + (box.Height / 2.0);
        // At least one pixel of context on every side, so GrabCut always has some background to learn from.
        var width = Math.Max(box.Width + 2, (int)Math.Round(box.Width * (1 + (2 * padding)), MidpointRounding.AwayFromZero));
        var height = Math.Max(box.Height + 2, (int)Math.Round(box.Height * (1 + (2 * padding)), MidpointRounding.AwayFromZero));
        var x = (int)Math.Floor(centreX - (width / 2.0));
        var y = (int)Math.Floor(centreY - (height / 2.0));
        return new Rect(x, y, width, height);
    }
}
