using SegLoop.Vision;

namespace SegLoop.Inference.Backends.Refiner;

/// <summary>
/// One prompt's working frame: the window shrunk so its long side is at most the working size, and per pixel
/// <see cref="RefinerFeatures.Count"/> features (pixel-major: pixel p's features at p * Count).
/// </summary>
internal sealed record RefinerFrame(int Width, int Height, double ScaleX, double ScaleY, float[] Features);

/// <summary>
/// The refiner's per-pixel features over a working frame, the same code for training and serving:
/// the base model's probability and its 5 x 5 mean, GrabCut's answer from the box (and clicks) and its mean, CIE Lab
/// colour, Sobel edge magnitude on L, position relative to the box (normalised x and y, signed distance to the box
/// edge, inside flag), colour distance to the mean outside the box and to the mean of the box's centre, the box's
/// size and aspect, and the distance to the nearest positive and negative click with their discs.
/// </summary>
internal static class RefinerFeatures
{
    /// <summary>Bumped whenever a feature changes meaning; a refiner trained on another version is refused.</summary>
    public const int Version = 2;

    public const int Count = 20;

    public static readonly IReadOnlyList<string> Names =
    [
        "base", "base_mean5", "grabcut", "grabcut_mean5", "L", "a", "b", "edge", "box_x", "box_y", "box_edge_distance", "inside_box",
        "outside_colour_distance", "centre_colour_distance", "log_box_area", "log_box_aspect", "positive_click_distance",
        "negative_click_distance", "positive_click_disc", "negative_click_disc",
    ];

    /// <summary>The working frame's size for a window: the long side at most <paramref name="workingSize"/>, never enlarged.</summary>
    public static (int Width, int Height) WorkingSize(int windowWidth, int windowHeight, int workingSize)
    {
        var scale = Math.Min(1.0, (double)workingSize / Math.Max(windowWidth, windowHeight));
        return (Math.Max(1, (int)Math.Round(windowWidth * scale)), Math.Max(1, (int)Math.Round(windowHeight * scale)));
    }

    /// <summary>
    /// Features of one prompt. <paramref name="working"/> is the window's BGR crop at working size;
    /// <paramref name="baseProbabilities"/> the base model's over the full window (null: use GrabCut's as the base).
    /// </summary>
    public static RefinerFrame Compute(Image working, float[]? baseProbabilities, PreparedPrompt prompt, int grabCutIterations)
    {
        var window = prompt.Window;
        int w = working.Width, h = working.Height, n = w * h;
        var sx = (double)w / window.Width;
        var sy = (double)h / window.Height;
        var box = prompt.BoxInCrop;
        // The box in working pixels (continuous edges, and the integer rectangle GrabCut gets).
        double bx0 = box.X * sx, by0 = box.Y * sy, bx1 = box.Right * sx, by1 = box.Bottom * sy;
        var ix0 = Math.Clamp((int)Math.Floor(bx0), 0, w - 1);
        var iy0 = Math.Clamp((int)Math.Floor(by0), 0, h - 1);
        var ix1 = Math.Clamp((int)Math.Ceiling(bx1), ix0 + 1, w);
        var iy1 = Math.Clamp((int)Math.Ceiling(by1), iy0 + 1, h);
        var clicks = prompt.Clicks.Select(c => (X: (c.X - window.X + 0.5) * sx - 0.5, Y: (c.Y - window.Y + 0.5) * sy - 0.5, c.Positive)).ToList();

        var grabCut = GrabCutFeature(working, new Rect(ix0, iy0, ix1 - ix0, iy1 - iy0), clicks, grabCutIterations);
        var basePlane = baseProbabilities is null ? grabCut : Sample(baseProbabilities, window.Width, window.Height, w, h);
        var baseMean = BoxMean(basePlane, w, h, 2);
        var grabCutMean = BoxMean(grabCut, w, h, 2);
        var (lab0, lab1, lab2) = Lab(working.Pixels, n);
        var edge = Sobel(lab0, w, h);

        double bw = Math.Max(bx1 - bx0, 1e-6), bh = Math.Max(by1 - by0, 1e-6);
        var halfSide = Math.Max(Math.Min(bw, bh) / 2, 0.5);
        var diagonal = Math.Sqrt((bw * bw) + (bh * bh));
        var discRadius = Math.Max(1.5, 0.05 * diagonal);
        var outside = MeanColour(lab0, lab1, lab2, w, h, (x, y) => x < ix0 || x >= ix1 || y < iy0 || y >= iy1)
            ?? MeanColour(lab0, lab1, lab2, w, h, (x, y) => x == 0 || y == 0 || x == w - 1 || y == h - 1)!.Value;
        int cx0 = ix0 + ((ix1 - ix0) / 3), cx1 = Math.Max(cx0 + 1, ix1 - ((ix1 - ix0) / 3));
        int cy0 = iy0 + ((iy1 - iy0) / 3), cy1 = Math.Max(cy0 + 1, iy1 - ((iy1 - iy0) / 3));
        var centre = MeanColour(lab0, lab1, lab2, w, h, (x, y) => x >= cx0 && x < cx1 && y >= cy0 && y < cy1)!.Value;
        // The box in source pixels: how big the object is matters (small boxes are mostly object, large ones cluttered).
        var logArea = (float)(Math.Log2(Math.Max(1.0, (double)box.Width * box.Height)) / 20);
        var logAspect = (float)Math.Log2((double)box.Width / box.Height);

        var features = new float[n * Count];
        for (var y = 0; y < h; y++)
        {
            var py = y + 0.5;
            for (var x = 0; x < w; x++)
            {
                var px = x + 0.5;
                var p = (y * w) + x;
                var f = features.AsSpan(p * Count, Count);
                f[0] = basePlane[p];
                f[1] = baseMean[p];
                f[2] = grabCut[p];
                f[3] = grabCutMean[p];
                f[4] = lab0[p] / 100f;
                f[5] = lab1[p] / 128f;
                f[6] = lab2[p] / 128f;
                f[7] = edge[p];
                f[8] = (float)((px - bx0) / bw);
                f[9] = (float)((py - by0) / bh);
                var inside = px >= bx0 && px < bx1 && py >= by0 && py < by1;
                double edgeDistance;
                if (inside)
                {
                    edgeDistance = Math.Min(Math.Min(px - bx0, bx1 - px), Math.Min(py - by0, by1 - py));
                }
                else
                {
                    var dx = Math.Max(Math.Max(bx0 - px, px - bx1), 0);
                    var dy = Math.Max(Math.Max(by0 - py, py - by1), 0);
                    edgeDistance = -Math.Sqrt((dx * dx) + (dy * dy));
                }
                f[10] = (float)(edgeDistance / halfSide);
                f[11] = inside ? 1 : 0;
                f[12] = ColourDistance(lab0[p], lab1[p], lab2[p], outside) / 100f;
                f[13] = ColourDistance(lab0[p], lab1[p], lab2[p], centre) / 100f;
                f[14] = logArea;
                f[15] = logAspect;
                double positive = double.PositiveInfinity, negative = double.PositiveInfinity;
                foreach (var c in clicks)
                {
                    var d = Math.Sqrt(((x - c.X) * (x - c.X)) + ((y - c.Y) * (y - c.Y)));
                    if (c.Positive)
                        positive = Math.Min(positive, d);
                    else
                        negative = Math.Min(negative, d);
                }
                f[16] = (float)Math.Min(1, positive / diagonal);
                f[17] = (float)Math.Min(1, negative / diagonal);
                f[18] = positive <= discRadius ? 1 : 0;
                f[19] = negative <= discRadius ? 1 : 0;
            }
        }
        return new RefinerFrame(w, h, sx, sy, features);
    }

    /// <summary>
    /// Clicks are the annotator's word: inside a positive click's disc the refiner's answer is 1, inside a negative one 0
    /// (the classifier reads the discs only as features and may overrule them, and a negative click left on the mask
    /// makes postprocessing drop the whole component it lies on).
    /// </summary>
    public static void HoldClickDiscs(RefinerFrame frame, float[] probabilities)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(probabilities);
        var features = frame.Features;
        for (var p = 0; p < probabilities.Length; p++)
        {
            if (features[(p * Count) + 19] != 0)
                probabilities[p] = 0;
            else if (features[(p * Count) + 18] != 0)
                probabilities[p] = 1;
        }
    }

    /// <summary>
    /// GrabCut over the working frame (enlarged first when small, as the GrabCut backend does): the box probably
    /// foreground, outside it background, click discs as seeds; 0/1 per pixel.
    /// </summary>
    private static float[] GrabCutFeature(Image working, Rect box, List<(double X, double Y, bool Positive)> clicks, int iterations)
    {
        int w = working.Width, h = working.Height;
        var seeds = new GrabCutLabel[w * h];
        for (var y = box.Y; y < box.Bottom; y++)
            seeds.AsSpan((y * w) + box.X, box.Width).Fill(GrabCutLabel.ProbableForeground);
        if (box.Width == w && box.Height == h)
        {
            // The box fills the frame (a tiny window): its rim is only probably background.
            for (var x = 0; x < w; x++)
            {
                seeds[x] = GrabCutLabel.ProbableBackground;
                seeds[((h - 1) * w) + x] = GrabCutLabel.ProbableBackground;
            }
            for (var y = 0; y < h; y++)
            {
                seeds[y * w] = GrabCutLabel.ProbableBackground;
                seeds[(y * w) + w - 1] = GrabCutLabel.ProbableBackground;
            }
        }
        foreach (var (cx, cy, positive) in clicks)
        {
            var x = (int)Math.Round(cx);
            var y = (int)Math.Round(cy);
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    if ((uint)(x + dx) < (uint)w && (uint)(y + dy) < (uint)h)
                        seeds[((y + dy) * w) + x + dx] = positive ? GrabCutLabel.Foreground : GrabCutLabel.Background;
                }
            }
        }
        var result = new float[w * h];
        if (w < 2 || h < 2 || !seeds.Any(s => ((byte)s & 1) != 0))
            return result;
        try
        {
            var mask = GrabCutBackend.SegmentAtWorkingSize(working, box, seeds, iterations).Data;
            for (var i = 0; i < result.Length; i++)
                result[i] = mask[i];
        }
        catch (VisionException)
        {
            // Seeds GrabCut cannot use (all foreground): the box itself is the answer.
            for (var i = 0; i < result.Length; i++)
                result[i] = ((byte)seeds[i] & 1) != 0 ? 1 : 0;
        }
        return result;
    }

    /// <summary>Bilinear samples of a window-sized plane at the working frame's pixel centres.</summary>
    internal static float[] Sample(float[] plane, int width, int height, int w, int h)
    {
        if (w == width && h == height)
            return plane;
        var result = new float[w * h];
        var scaleX = (double)width / w;
        var scaleY = (double)height / h;
        for (var y = 0; y < h; y++)
        {
            var syf = Math.Clamp(((y + 0.5) * scaleY) - 0.5, 0, height - 1);
            var y0 = (int)syf;
            var y1 = Math.Min(y0 + 1, height - 1);
            var fy = (float)(syf - y0);
            for (var x = 0; x < w; x++)
            {
                var sxf = Math.Clamp(((x + 0.5) * scaleX) - 0.5, 0, width - 1);
                var x0 = (int)sxf;
                var x1 = Math.Min(x0 + 1, width - 1);
                var fx = (float)(sxf - x0);
                var top = plane[(y0 * width) + x0] + ((plane[(y0 * width) + x1] - plane[(y0 * width) + x0]) * fx);
                var bottom = plane[(y1 * width) + x0] + ((plane[(y1 * width) + x1] - plane[(y1 * width) + x0]) * fx);
                result[(y * w) + x] = top + ((bottom - top) * fy);
            }
        }
        return result;
    }

    /// <summary>Mean over the (2r + 1)² square clipped to the frame, through an integral image.</summary>
    private static float[] BoxMean(float[] plane, int w, int h, int r)
    {
        var integral = new double[(w + 1) * (h + 1)];
        for (var y = 0; y < h; y++)
        {
            double row = 0;
            for (var x = 0; x < w; x++)
            {
                row += plane[(y * w) + x];
                integral[((y + 1) * (w + 1)) + x + 1] = integral[(y * (w + 1)) + x + 1] + row;
            }
        }
        var result = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            int y0 = Math.Max(0, y - r), y1 = Math.Min(h, y + r + 1);
            for (var x = 0; x < w; x++)
            {
                int x0 = Math.Max(0, x - r), x1 = Math.Min(w, x + r + 1);
                var sum = integral[(y1 * (w + 1)) + x1] - integral[(y0 * (w + 1)) + x1] - integral[(y1 * (w + 1)) + x0] + integral[(y0 * (w + 1)) + x0];
                result[(y * w) + x] = (float)(sum / ((x1 - x0) * (y1 - y0)));
            }
        }
        return result;
    }

    /// <summary>CIE Lab (D65) of BGR bytes: L in [0, 100], a and b about [-128, 127].</summary>
    private static (float[] L, float[] A, float[] B) Lab(ReadOnlySpan<byte> bgr, int n)
    {
        Span<float> linear = stackalloc float[256];
        for (var v = 0; v < 256; v++)
        {
            var c = v / 255.0;
            linear[v] = (float)(c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4));
        }
        var l = new float[n];
        var a = new float[n];
        var b = new float[n];
        for (var i = 0; i < n; i++)
        {
            var bl = linear[bgr[3 * i]];
            var gl = linear[bgr[(3 * i) + 1]];
            var rl = linear[bgr[(3 * i) + 2]];
            var x = ((0.4124564f * rl) + (0.3575761f * gl) + (0.1804375f * bl)) / 0.95047f;
            var y = (0.2126729f * rl) + (0.7151522f * gl) + (0.0721750f * bl);
            var z = ((0.0193339f * rl) + (0.1191920f * gl) + (0.9503041f * bl)) / 1.08883f;
            float fx = F(x), fy = F(y), fz = F(z);
            l[i] = (116 * fy) - 16;
            a[i] = 500 * (fx - fy);
            b[i] = 200 * (fy - fz);
        }
        return (l, a, b);

        static float F(float t) => t > 0.008856f ? MathF.Cbrt(t) : (7.787f * t) + (16f / 116);
    }

    /// <summary>Sobel gradient magnitude of L (edges replicated), scaled to about [0, 1].</summary>
    private static float[] Sobel(float[] l, int w, int h)
    {
        var result = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            int ym = Math.Max(0, y - 1), yp = Math.Min(h - 1, y + 1);
            for (var x = 0; x < w; x++)
            {
                int xm = Math.Max(0, x - 1), xp = Math.Min(w - 1, x + 1);
                var gx = l[(ym * w) + xp] + (2 * l[(y * w) + xp]) + l[(yp * w) + xp] - l[(ym * w) + xm] - (2 * l[(y * w) + xm]) - l[(yp * w) + xm];
                var gy = l[(yp * w) + xm] + (2 * l[(yp * w) + x]) + l[(yp * w) + xp] - l[(ym * w) + xm] - (2 * l[(ym * w) + x]) - l[(ym * w) + xp];
                result[(y * w) + x] = MathF.Sqrt((gx * gx) + (gy * gy)) / 400f;
            }
        }
        return result;
    }

    private static (float L, float A, float B)? MeanColour(float[] l, float[] a, float[] b, int w, int h, Func<int, int, bool> where)
    {
        double sl = 0, sa = 0, sb = 0;
        var count = 0;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (!where(x, y))
                    continue;
                var p = (y * w) + x;
                sl += l[p];
                sa += a[p];
                sb += b[p];
                count++;
            }
        }
        return count == 0 ? null : ((float)(sl / count), (float)(sa / count), (float)(sb / count));
    }

    private static float ColourDistance(float l, float a, float b, (float L, float A, float B) mean) =>
        MathF.Sqrt(((l - mean.L) * (l - mean.L)) + ((a - mean.A) * (a - mean.A)) + ((b - mean.B) * (b - mean.B)));
}
