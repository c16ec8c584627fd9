using System.Text.Json.Serialization;
using SegLoop.Contracts;
using SegLoop.Vision;

namespace SegLoop.ActiveLearning;

/// <summary>
/// What is ranked: a whole image (<see cref="Box"/> null) or one box of it (a COCO annotation's crop).
/// <see cref="Id"/> is unique in a run and keys the resume state: the image, or "image#annotation".
/// </summary>
public sealed record RankItem(string Id, string Image, Rect? Box);

/// <summary>One superpixel of an item: its outline in image pixels and its mean uncertainty.</summary>
public sealed record SuperpixelScore(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("variance")] double Variance,
    [property: JsonPropertyName("entropy")] double Entropy,
    [property: JsonPropertyName("area")] int Area,
    [property: JsonPropertyName("polygon")] IReadOnlyList<int> Polygon);

/// <summary>
/// An item's ranking: its score (mean variance with two passes or more, mean entropy with one) and both measures, its
/// superpixels, and small pictures for the report (base64: the frame as JPEG and its uncertainty as a PNG heat map).
/// A box item also has <see cref="BoxFit"/> (<see cref="UncertaintyMeasures.BoxFit"/> of the model's mask for the box); a
/// whole image has none.
/// </summary>
public sealed record ItemRanking(
    [property: JsonPropertyName("item")] string Item,
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("frame")] IReadOnlyList<int> Frame,
    [property: JsonPropertyName("whole_image")] bool WholeImage,
    [property: JsonPropertyName("passes")] int Passes,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("mean_variance")] double MeanVariance,
    [property: JsonPropertyName("mean_entropy")] double MeanEntropy,
    [property: JsonPropertyName("superpixels")] IReadOnlyList<SuperpixelScore> Superpixels,
    [property: JsonPropertyName("thumbnail_jpeg")] string ThumbnailJpeg,
    [property: JsonPropertyName("heat_png")] string HeatPng,
    [property: JsonPropertyName("box_fit")] double? BoxFit = null);

/// <summary>
/// An item's ranking with the maps behind it (for evaluation against ground truth; not kept in state), and for a box item
/// the model's mask for the box (image-sized), which its box fit was measured on.
/// </summary>
public sealed record ItemAnalysis(ItemRanking Ranking, UncertaintyMap Map, SuperpixelLabels Superpixels, Mask? Mask = null);

/// <summary>
/// Scores one item: uncertainty, superpixels and the report's pictures; for a box item also the box fit of the mask the
/// model gives for the unchanged box at <paramref name="maskThreshold"/> (one more model run: the mask an annotator would
/// be given, after the pipeline's threshold and postprocessing).
/// </summary>
public sealed class ItemRanker(UncertaintyScorer scorer, int superpixels = ItemRanker.DefaultSuperpixels,
    double maskThreshold = ItemRanker.DefaultMaskThreshold)
{
    public const int DefaultSuperpixels = 100;

    /// <summary>The probability threshold of a box item's mask (pre-annotation's default).</summary>
    public const double DefaultMaskThreshold = 0.5;

    /// <summary>Longest side of the report's pictures.</summary>
    public const int PictureSide = 192;

    public UncertaintyScorer Scorer => scorer;

    public double MaskThreshold => maskThreshold;

    public async Task<ItemAnalysis> RankAsync(RankItem item, Image image, int passes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(image);
        var frame = Frame(item, image);
        var map = await scorer.ScoreAsync(image, frame, passes, cancellationToken).ConfigureAwait(false);
        using var crop = image.Crop(frame);
        var labels = Superpixels.Watershed(crop, superpixels);
        var primary = labels.Means(map.Primary);
        var variance = labels.Means(map.Variance);
        var entropy = labels.Means(map.Entropy);
        var areas = labels.Areas();
        var outlines = labels.Outlines();
        var scores = new SuperpixelScore[labels.Count];
        for (var l = 0; l < labels.Count; l++)
        {
            var polygon = outlines[l].SelectMany(p => new[] { p.X + frame.X, p.Y + frame.Y }).ToList();
            scores[l] = new SuperpixelScore(l, Round(primary[l]), Round(variance[l]), Round(entropy[l]), areas[l], polygon);
        }
        Mask? mask = null;
        if (item.Box is not null)
        {
            var prompt = new Prompt { Box = new BoundingBox(frame.X, frame.Y, frame.Width, frame.Height) };
            mask = (await scorer.Segmenter.SegmentAsync(image, [prompt], maskThreshold, cancellationToken).ConfigureAwait(false))[0].Mask;
        }
        var ranking = new ItemRanking(item.Id, item.Image, [frame.X, frame.Y, frame.Width, frame.Height], item.Box is null, passes,
            Round(map.Score), Round(map.MeanVariance), Round(map.MeanEntropy), scores, Thumbnail(crop), HeatMap(map),
            mask is null ? null : Round(UncertaintyMeasures.BoxFit(mask, frame)));
        return new ItemAnalysis(ranking, map, labels, mask);
    }

    /// <summary>The item's box clipped to the image, or the whole image; throws <see cref="Inference.Backends.BadPromptException"/> when empty.</summary>
    public static Rect Frame(RankItem item, Image image)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(image);
        if (item.Box is not { } box)
            return new Rect(0, 0, image.Width, image.Height);
        int x0 = Math.Max(0, box.X), y0 = Math.Max(0, box.Y);
        int x1 = Math.Min(image.Width, box.Right), y1 = Math.Min(image.Height, box.Bottom);
        if (x1 <= x0 || y1 <= y0)
            throw new Inference.Backends.BadPromptException(0, $"box {box} lies outside the {image.Width} x {image.Height} image");
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>Six decimals: enough to rank, and the same bytes on every run.</summary>
    internal static double Round(double value) => Math.Round(value, 6);

    private static (int Width, int Height) PictureSize(int width, int height)
    {
        var scale = Math.Min(1.0, (double)PictureSide / Math.Max(width, height));
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    private static string Thumbnail(Image crop)
    {
        var (w, h) = PictureSize(crop.Width, crop.Height);
        using var small = crop.Resize(w, h, Interpolation.Area);
        return Convert.ToBase64String(small.EncodeJpeg(85));
    }

    /// <summary>The primary measure as a 'hot' colour ramp (black, red, yellow, white), scaled to its maximum possible value.</summary>
    internal static string HeatMap(UncertaintyMap map)
    {
        var full = map.Passes >= 2 ? 0.25 : 1.0;
        var primary = map.Primary;
        var pixels = new byte[primary.Length * 3];
        for (var i = 0; i < primary.Length; i++)
        {
            var t = Math.Clamp(primary[i] / full, 0, 1);
            pixels[(i * 3) + 2] = (byte)Math.Round(255 * Math.Clamp(t * 3, 0, 1));       // red
            pixels[(i * 3) + 1] = (byte)Math.Round(255 * Math.Clamp((t * 3) - 1, 0, 1)); // green
            pixels[i * 3] = (byte)Math.Round(255 * Math.Clamp((t * 3) - 2, 0, 1));       // blue
        }
        using var heat = Image.FromPixels(map.Width, map.Height, 3, pixels);
        var (w, h) = PictureSize(map.Width, map.Height);
        using var small = heat.Resize(w, h, Interpolation.Area);
        return Convert.ToBase64String(small.EncodePng());
    }
}
