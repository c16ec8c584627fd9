using System.Globalization;
using System.Net;
using System.Text;
using SegLoop.CropBuilder.Geometry;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.CropBuilder.Datasets;

/// <summary>
/// A self-contained HTML page for a person to look at a dataset: per class, sample crops (thumbnails embedded as
/// data URIs) with the mask laid over them in a translucent class colour, its outline, and the central pixel marked.
/// </summary>
public static class ContactSheet
{
    // Distinct, readable colours (B, G, R order for OpenCV).
    private static readonly (byte B, byte G, byte R)[] Palette =
    [
        (75, 25, 230), (75, 180, 60), (25, 225, 255), (216, 99, 67), (48, 130, 245), (180, 30, 145),
        (240, 240, 70), (230, 50, 240), (60, 245, 210), (212, 190, 250), (128, 128, 0), (255, 190, 220),
    ];

    public static async Task<string> RenderAsync(string title, IReadOnlyList<DatasetEntry> entries, DatasetStats stats, IBlobStore store,
        int samplesPerClass, int thumbnailSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(store);
        var inv = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            """);
        html.Append(inv, $"<title>{Encode(title)}</title>");
        html.Append("""
            <style>
            body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;background:#f4f5f7;color:#1d2330}
            h1{font-size:22px;margin:0 0 4px} .sub{color:#5b6475;margin:0 0 18px}
            .totals{display:flex;gap:12px;margin-bottom:22px;flex-wrap:wrap}
            .pill{background:#fff;border-radius:8px;padding:8px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
            .pill b{font-size:18px;display:block}
            section{background:#fff;border-radius:10px;padding:14px 16px 16px;margin-bottom:18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
            section h2{font-size:16px;margin:0 0 10px;display:flex;align-items:center;gap:10px}
            .swatch{width:14px;height:14px;border-radius:3px;display:inline-block}
            .count{color:#5b6475;font-weight:400;font-size:13px}
            .grid{display:flex;flex-wrap:wrap;gap:12px}
            figure{margin:0;width:var(--t);}
            .frame{position:relative;width:var(--t);height:var(--t);background:#e9ebef;border-radius:6px;overflow:hidden;display:flex;align-items:center;justify-content:center}
            .stack{position:relative}
            .stack img{display:block}
            .stack img.overlay{position:absolute;left:0;top:0}
            .dot{position:absolute;width:7px;height:7px;margin:-4px 0 0 -4px;border-radius:50%;background:#fff;border:1.5px solid #000}
            figcaption{font-size:11px;color:#5b6475;margin-top:4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
            .split{display:inline-block;border-radius:4px;padding:0 5px;margin-right:4px;color:#fff;font-weight:600}
            .train{background:#2f7d4f}.val{background:#b7791f}.test{background:#6b46c1}
            </style></head><body>
            """);
        html.Append(inv, $"<h1>{Encode(title)}</h1><p class=\"sub\">taxonomy {Encode(string.Join(", ", stats.TaxonomyVersions))} &middot; {stats.Manifests} manifests &middot; {stats.SourceImages} source images &middot; crops shown with their masks; the dot is the crop's central pixel</p>");
        html.Append("<div class=\"totals\">");
        html.Append(inv, $"<div class=\"pill\"><b>{stats.Selected}</b>crops selected of {stats.Available}</div>");
        foreach (var split in DatasetAssembler.Splits)
            html.Append(inv, $"<div class=\"pill\"><b>{stats.Splits[split]}</b>{split} ({stats.ImagesPerSplit[split]} images)</div>");
        html.Append("</div>");

        var classes = entries.GroupBy(e => e.Crop.ClassName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        for (var c = 0; c < classes.Count; c++)
        {
            var colour = Palette[c % Palette.Length];
            var cls = classes[c];
            html.Append(inv, $"<section style=\"--t:{thumbnailSize}px\"><h2><span class=\"swatch\" style=\"background:rgb({colour.R},{colour.G},{colour.B})\"></span>{Encode(cls.Key)} <span class=\"count\">{cls.Count()} crops &middot; {string.Join(", ", cls.GroupBy(e => e.Crop.Domain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{Encode(g.Key)} {g.Count()}"))}</span></h2><div class=\"grid\">");
            foreach (var entry in cls.OrderBy(e => CropPadding.UnitHash("sheet/" + e.Crop.CropId)).Take(samplesPerClass))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var crop = entry.Crop;
                var jpeg = await store.GetBytesAsync(crop.CropKey, cancellationToken).ConfigureAwait(false);
                var png = await store.GetBytesAsync(crop.MaskKey, cancellationToken).ConfigureAwait(false);
                var (thumb, overlay, _, _) = Thumbnail(jpeg, png, thumbnailSize, colour);
                // Shown fitted to the frame, small crops enlarged too, so every object reads at a glance.
                var fit = (double)thumbnailSize / Math.Max(crop.CropWidth, crop.CropHeight);
                var w = Math.Max(1, (int)Math.Round(crop.CropWidth * fit));
                var h = Math.Max(1, (int)Math.Round(crop.CropHeight * fit));
                var dotX = ((crop.CropWidth / 2) + 0.5) * w / crop.CropWidth;
                var dotY = ((crop.CropHeight / 2) + 0.5) * h / crop.CropHeight;
                html.Append(inv, $"<figure><div class=\"frame\"><div class=\"stack\"><img src=\"data:image/jpeg;base64,{Convert.ToBase64String(thumb)}\" width=\"{w}\" height=\"{h}\" alt=\"{Encode(crop.CropId)}\">");
                html.Append(inv, $"<img class=\"overlay\" src=\"data:image/png;base64,{Convert.ToBase64String(overlay)}\" width=\"{w}\" height=\"{h}\" alt=\"\">");
                html.Append(inv, $"<span class=\"dot\" style=\"left:{dotX:F1}px;top:{dotY:F1}px\"></span></div></div>");
                html.Append(inv, $"<figcaption title=\"{Encode(crop.CropKey)}\"><span class=\"split {entry.Split}\">{entry.Split}</span>{crop.CropWidth}&times;{crop.CropHeight} {Encode(crop.TaskId)}/{Encode(crop.InstanceId)}</figcaption></figure>");
            }
            html.Append("</div></section>");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static (byte[] Jpeg, byte[] OverlayPng, int Width, int Height) Thumbnail(byte[] cropJpeg, byte[] maskPng, int size, (byte B, byte G, byte R) colour)
    {
        using var crop = ImageCodec.Decode(cropJpeg);
        using var mask = ImageCodec.Decode(maskPng, new DecodeOptions { Mode = DecodeMode.Grayscale });
        var scale = Math.Min(1.0, (double)size / Math.Max(crop.Width, crop.Height));
        var w = Math.Max(1, (int)Math.Round(crop.Width * scale));
        var h = Math.Max(1, (int)Math.Round(crop.Height * scale));
        using var small = w == crop.Width && h == crop.Height ? crop.Crop(new Rect(0, 0, w, h)) : crop.Resize(w, h, Interpolation.Area);
        using var smallMask = w == mask.Width && h == mask.Height ? mask.Crop(new Rect(0, 0, w, h)) : mask.Resize(w, h, Interpolation.Area);
        var binary = Mask.FromBytes(w, h, Threshold(smallMask.Pixels));
        var edge = MaskOps.Boundary(binary).Data;
        var fill = binary.Data;
        var bgra = new byte[w * h * 4];
        for (var i = 0; i < w * h; i++)
        {
            bgra[(4 * i) + 0] = colour.B;
            bgra[(4 * i) + 1] = colour.G;
            bgra[(4 * i) + 2] = colour.R;
            bgra[(4 * i) + 3] = edge[i] != 0 ? (byte)235 : fill[i] != 0 ? (byte)105 : (byte)0;
        }
        using var overlay = Image.FromPixels(w, h, 4, bgra);
        return (small.EncodeJpeg(88), overlay.EncodePng(6), w, h);
    }

    private static byte[] Threshold(ReadOnlySpan<byte> grey)
    {
        var result = new byte[grey.Length];
        for (var i = 0; i < grey.Length; i++)
            result[i] = grey[i] >= 128 ? (byte)1 : (byte)0;
        return result;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
