using System.Globalization;
using System.Net;
using System.Text;
using SegLoop.CropBuilder.Geometry;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.CropBuilder.Datasets;

/// <summary>
/// A self-contained HTML page for a person to look at a dataset: a seeded sample of crops per class (embedded as data
/// URIs) with the mask laid over them in a translucent class colour, its outline, and the central pixel marked. It says
/// how many of the dataset's crops it shows; a filter (class, domain, split, task), a sort (class, object area, crop
/// size) and a click to see a crop at native size with its mask run in the page's own script; each crop links to its
/// source image in the store, relative to the page. Small crops are enlarged by whole factors up to
/// <see cref="MaxUpscale"/>, pixelated, never blown up to fill the frame; every crop states its pixel size.
/// </summary>
public static class ContactSheet
{
    /// <summary>The most a crop smaller than the thumbnail is enlarged on its card (whole factors, pixelated).</summary>
    public const int MaxUpscale = 4;

    /// <summary>The lightbox enlarges a small crop (whole factors, pixelated) until its longer side reaches this, at most 8x.</summary>
    private const int LightboxSide = 480;

    // Distinct, readable colours (B, G, R order for OpenCV).
    private static readonly (byte B, byte G, byte R)[] Palette =
    [
        (75, 25, 230), (75, 180, 60), (25, 225, 255), (216, 99, 67), (48, 130, 245), (180, 30, 145),
        (240, 240, 70), (230, 50, 240), (60, 245, 210), (212, 190, 250), (128, 128, 0), (255, 190, 220),
    ];

    private const string Style = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;background:#f4f5f7;color:#1d2330}
        h1{font-size:22px;margin:0 0 4px} .sub{color:#5b6475;margin:0 0 18px}
        .totals{display:flex;gap:12px;margin-bottom:16px;flex-wrap:wrap}
        .pill{background:#fff;border-radius:8px;padding:8px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        .pill b{font-size:18px;display:block}
        .sample{background:#fff4d6;border-left:4px solid #e0a800;padding:8px 12px;border-radius:4px;margin:0 0 14px}
        table.classes{border-collapse:collapse;background:#fff;font-size:13px;margin-bottom:16px}
        table.classes td,table.classes th{border:1px solid #dde;padding:3px 8px;text-align:right}
        table.classes th{background:#eef0f4} table.classes .l{text-align:left}
        .swatch{width:12px;height:12px;border-radius:3px;display:inline-block;margin-right:5px;vertical-align:-1px}
        .controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin:0 0 12px}
        .controls input{font:inherit;padding:4px 8px;width:280px} .controls select{font:inherit;padding:3px}
        #visible{color:#5b6475}
        .grid{display:flex;flex-wrap:wrap;gap:12px}
        figure.card{margin:0;width:var(--t);background:#fff;border-radius:8px;padding:6px;box-shadow:0 1px 3px rgba(0,0,0,.08);cursor:zoom-in}
        figure.card[hidden]{display:none}
        .frame{position:relative;width:var(--t);height:var(--t);background:#e9ebef;border-radius:6px;overflow:hidden;display:flex;align-items:center;justify-content:center}
        .stack{position:relative;flex:none}
        .stack img{display:block;image-rendering:pixelated}
        .stack img.overlay{position:absolute;left:0;top:0}
        .dot{position:absolute;width:7px;height:7px;margin:-4px 0 0 -4px;border-radius:50%;background:#fff;border:1.5px solid #000}
        figcaption{font-size:11px;color:#5b6475;margin-top:4px;overflow-wrap:anywhere}
        figcaption b{color:#1d2330}
        .split{display:inline-block;border-radius:4px;padding:0 5px;margin-right:4px;color:#fff;font-weight:600}
        .train{background:#2f7d4f}.val{background:#b7791f}.test{background:#6b46c1}
        #lightbox{position:fixed;inset:0;background:rgba(15,18,25,.82);display:flex;align-items:center;justify-content:center;z-index:10}
        #lightbox[hidden]{display:none}
        #lightbox .box{background:#fff;border-radius:10px;padding:14px;max-width:92vw;max-height:92vh;overflow:auto}
        #lightbox .stack img{image-rendering:pixelated}
        #lightbox p{margin:8px 0 0;font-size:13px;overflow-wrap:anywhere}
        """;

    private const string Script = """
        (() => {
          const cards = document.getElementById('cards');
          const all = () => Array.from(cards.querySelectorAll('figure.card'));
          const filter = document.getElementById('filter');
          const sort = document.getElementById('sort');
          const visible = document.getElementById('visible');
          const count = () => { const n = all().filter(c => !c.hidden).length; visible.textContent = n + ' of ' + all().length + ' sampled crops shown'; };
          filter.addEventListener('input', () => {
            const q = filter.value.trim().toLowerCase();
            for (const c of all()) c.hidden = q !== '' && !c.dataset.search.includes(q);
            count();
          });
          const keys = {
            class: (a, b) => a.dataset.class.localeCompare(b.dataset.class) || a.dataset.id.localeCompare(b.dataset.id),
            area: (a, b) => Number(b.dataset.area) - Number(a.dataset.area) || a.dataset.id.localeCompare(b.dataset.id),
            size: (a, b) => Number(b.dataset.width) * Number(b.dataset.height) - Number(a.dataset.width) * Number(a.dataset.height) || a.dataset.id.localeCompare(b.dataset.id),
          };
          sort.addEventListener('change', () => { for (const c of all().sort(keys[sort.value])) cards.appendChild(c); });
          const box = document.getElementById('lightbox');
          const crop = document.getElementById('lightbox-crop');
          const mask = document.getElementById('lightbox-mask');
          const caption = document.getElementById('lightbox-caption');
          const open = card => {
            const w = Number(card.dataset.width), h = Number(card.dataset.height);
            const zoom = Math.max(1, Math.min(8, Math.floor(LIGHTBOX_SIDE / Math.max(w, h))));
            crop.src = card.dataset.full || card.querySelector('img.crop').src;
            mask.src = card.dataset.fullMask || card.querySelector('img.overlay').src;
            for (const img of [crop, mask]) { img.width = w * zoom; img.height = h * zoom; }
            caption.textContent = card.dataset.class + ' \u00b7 ' + card.dataset.domain + ' \u00b7 ' + w + '\u00d7' + h + ' px'
              + (zoom > 1 ? ', shown at ' + zoom + '\u00d7 (pixelated)' : ', native size') + ' \u00b7 ' + card.dataset.id + ' \u00b7 Esc or click closes';
            box.hidden = false;
          };
          cards.addEventListener('click', e => {
            if (e.target.closest('a')) return;
            const card = e.target.closest('figure.card');
            if (card) open(card);
          });
          cards.addEventListener('keydown', e => { if (e.key === 'Enter' && e.target.matches('figure.card')) open(e.target); });
          box.addEventListener('click', () => { box.hidden = true; });
          document.addEventListener('keydown', e => { if (e.key === 'Escape') box.hidden = true; });
          count();
        })();
        """;

    /// <param name="pageKey">The page's own key in the store: the source-image links are relative to it.</param>
    public static async Task<string> RenderAsync(string title, string pageKey, IReadOnlyList<DatasetEntry> entries, DatasetStats stats, IBlobStore store,
        int samplesPerClass, int thumbnailSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pageKey);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(store);
        var inv = CultureInfo.InvariantCulture;
        var classes = entries.GroupBy(e => e.Crop.ClassName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select((g, i) => (Name: g.Key, Colour: Palette[i % Palette.Length], All: g.ToList(),
                Sample: g.OrderBy(e => CropPadding.UnitHash("sheet/" + e.Crop.CropId)).ThenBy(e => e.Crop.CropId, StringComparer.Ordinal).Take(samplesPerClass).ToList()))
            .ToList();
        var shown = classes.Sum(c => c.Sample.Count);

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
        html.Append(inv, $"<title>{Encode(title)}</title><style>{Style}</style></head><body>");
        html.Append(inv, $"<h1>{Encode(title)}</h1><p class=\"sub\">taxonomy {Encode(string.Join(", ", stats.TaxonomyVersions))} &middot; {stats.Manifests} manifests &middot; {stats.SourceImages} source images &middot; crops shown with their masks; the dot is the crop's central pixel</p>");
        html.Append("<div class=\"totals\">");
        html.Append(inv, $"<div class=\"pill\"><b>{stats.Selected}</b>crops selected of {stats.Available}</div>");
        foreach (var split in DatasetAssembler.Splits)
            html.Append(inv, $"<div class=\"pill\"><b>{stats.Splits[split]}</b>{split} ({stats.ImagesPerSplit[split]} images)</div>");
        html.Append("</div>");
        html.Append(inv, $"<p class=\"sample\" id=\"sample\">{SampleStatement(shown, entries.Count, samplesPerClass)}</p>");

        html.Append("<table class=\"classes\"><tr><th class=\"l\">class</th><th>crops in the dataset</th><th>shown</th><th class=\"l\">per domain</th></tr>");
        foreach (var cls in classes)
        {
            var domains = string.Join(", ", cls.All.GroupBy(e => e.Crop.Domain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count()}"));
            html.Append(inv, $"<tr><td class=\"l\"><span class=\"swatch\" style=\"background:{Css(cls.Colour)}\"></span>{Encode(cls.Name)}</td>");
            html.Append(inv, $"<td>{cls.All.Count}</td><td>{cls.Sample.Count}</td><td class=\"l\">{Encode(domains)}</td></tr>");
        }
        html.Append("</table>");

        html.Append("<div class=\"controls\"><label>filter <input id=\"filter\" type=\"search\" placeholder=\"class, domain, split or task\" autocomplete=\"off\"></label>");
        html.Append("<label>sort by <select id=\"sort\"><option value=\"class\">class</option><option value=\"area\">object area (largest first)</option>");
        html.Append("<option value=\"size\">crop size (largest first)</option></select></label><span id=\"visible\"></span>");
        html.Append("<span>click a crop to see it at native size</span></div>");

        var toRoot = string.Concat(Enumerable.Repeat("../", pageKey.Count(c => c == '/')));
        html.Append(inv, $"<div class=\"grid\" id=\"cards\" style=\"--t:{thumbnailSize}px\">");
        foreach (var cls in classes)
        {
            foreach (var entry in cls.Sample)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var crop = entry.Crop;
                var jpeg = await store.GetBytesAsync(crop.CropKey, cancellationToken).ConfigureAwait(false);
                var png = await store.GetBytesAsync(crop.MaskKey, cancellationToken).ConfigureAwait(false);
                Card(html, entry, jpeg, png, cls.Colour, thumbnailSize, toRoot);
            }
        }
        html.Append("</div>");
        html.Append("<div id=\"lightbox\" hidden><div class=\"box\"><div class=\"stack\"><img id=\"lightbox-crop\" alt=\"crop at native size\">");
        html.Append("<img id=\"lightbox-mask\" class=\"overlay\" alt=\"\"></div><p id=\"lightbox-caption\"></p></div></div>");
        html.Append("<script>").Append(Script.Replace("LIGHTBOX_SIDE", LightboxSide.ToString(inv), StringComparison.Ordinal)).Append("</script>");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>The page's statement of what it shows: all the crops, or a seeded sample of how many of how many.</summary>
    public static string SampleStatement(int shown, int total, int samplesPerClass) => shown == total
        ? string.Create(CultureInfo.InvariantCulture, $"Showing all {total} crops of the dataset.")
        : string.Create(CultureInfo.InvariantCulture,
            $"Showing {shown} of {total} crops, a seeded sample: at most {samplesPerClass} per class, picked by a stable hash of the crop id, so the same crops every time this dataset is built.");

    private static void Card(StringBuilder html, DatasetEntry entry, byte[] cropJpeg, byte[] maskPng, (byte B, byte G, byte R) colour, int thumbnailSize, string toRoot)
    {
        var inv = CultureInfo.InvariantCulture;
        var crop = entry.Crop;
        using var image = ImageCodec.Decode(cropJpeg);
        using var mask = ImageCodec.Decode(maskPng, new DecodeOptions { Mode = DecodeMode.Grayscale });
        var longest = Math.Max(image.Width, image.Height);
        var nativeOverlay = Overlay(mask, mask.Width, mask.Height, colour);
        // Larger than the frame: a thumbnail, with the native crop kept for the lightbox. Smaller: the native crop itself,
        // enlarged by a whole factor of at most MaxUpscale, pixelated.
        var large = longest > thumbnailSize;
        var scale = large ? (double)thumbnailSize / longest : Math.Clamp(thumbnailSize / longest, 1, MaxUpscale);
        var w = Math.Max(1, (int)Math.Round(image.Width * scale));
        var h = Math.Max(1, (int)Math.Round(image.Height * scale));
        byte[] cardJpeg, cardOverlay;
        if (large)
        {
            using var small = image.Resize(w, h, Interpolation.Area);
            using var smallMask = mask.Resize(w, h, Interpolation.Area);
            cardJpeg = small.EncodeJpeg(88);
            cardOverlay = Overlay(smallMask, w, h, colour);
        }
        else
        {
            cardJpeg = cropJpeg;
            cardOverlay = nativeOverlay;
        }
        var search = $"{crop.ClassName} {crop.Domain} {entry.Split} {crop.TaskId} {crop.CropId}".ToLowerInvariant();
        html.Append(inv, $"<figure class=\"card\" tabindex=\"0\" data-id=\"{Encode(crop.CropId)}\" data-class=\"{Encode(crop.ClassName)}\" data-domain=\"{Encode(crop.Domain)}\" ");
        html.Append(inv, $"data-split=\"{entry.Split}\" data-area=\"{crop.Area}\" data-width=\"{image.Width}\" data-height=\"{image.Height}\" data-search=\"{Encode(search)}\"");
        if (large)
            html.Append(inv, $" data-full=\"data:image/jpeg;base64,{Convert.ToBase64String(cropJpeg)}\" data-full-mask=\"data:image/png;base64,{Convert.ToBase64String(nativeOverlay)}\"");
        html.Append('>');
        var dotX = ((image.Width / 2) + 0.5) * w / image.Width;
        var dotY = ((image.Height / 2) + 0.5) * h / image.Height;
        html.Append(inv, $"<div class=\"frame\"><div class=\"stack\"><img class=\"crop\" src=\"data:image/jpeg;base64,{Convert.ToBase64String(cardJpeg)}\" width=\"{w}\" height=\"{h}\" alt=\"{Encode(crop.CropId)}\">");
        html.Append(inv, $"<img class=\"overlay\" src=\"data:image/png;base64,{Convert.ToBase64String(cardOverlay)}\" width=\"{w}\" height=\"{h}\" alt=\"\">");
        html.Append(inv, $"<span class=\"dot\" style=\"left:{dotX:F1}px;top:{dotY:F1}px\"></span></div></div>");
        var shownAs = scale == 1 ? "native" : large ? string.Create(inv, $"shown at {scale:0.##}\u00d7") : string.Create(inv, $"shown at {scale:0}\u00d7, pixelated");
        html.Append(inv, $"<figcaption><span class=\"swatch\" style=\"background:{Css(colour)}\"></span><b>{Encode(crop.ClassName)}</b> &middot; {Encode(crop.Domain)}<br>");
        html.Append(inv, $"<span class=\"split {entry.Split}\">{entry.Split}</span><span class=\"px\">{image.Width}&times;{image.Height} px</span> ({shownAs}) &middot; object {crop.Area} px<br>");
        html.Append(inv, $"{Encode(crop.TaskId)}/{Encode(crop.InstanceId)} &middot; <a class=\"source\" href=\"{Encode(toRoot + EscapePath(crop.SourceImageKey))}\" title=\"{Encode(crop.SourceImageKey)}\" target=\"_blank\">source image</a>");
        html.Append("</figcaption></figure>");
    }

    /// <summary>The mask in the class colour: translucent fill, opaque outline, transparent elsewhere; as PNG.</summary>
    private static byte[] Overlay(Image mask, int w, int h, (byte B, byte G, byte R) colour)
    {
        var binary = Mask.FromBytes(w, h, Threshold(mask.Pixels));
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
        return overlay.EncodePng(6);
    }

    private static byte[] Threshold(ReadOnlySpan<byte> grey)
    {
        var result = new byte[grey.Length];
        for (var i = 0; i < grey.Length; i++)
            result[i] = grey[i] >= 128 ? (byte)1 : (byte)0;
        return result;
    }

    private static string EscapePath(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    private static string Css((byte B, byte G, byte R) c) => string.Create(CultureInfo.InvariantCulture, $"rgb({c.R},{c.G},{c.B})");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
