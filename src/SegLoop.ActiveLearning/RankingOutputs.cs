using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.ActiveLearning;

/// <summary>One entry of superpixels.json: a superpixel chosen for labelling, most uncertain first.</summary>
public sealed record ChosenSuperpixel(
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("item")] string Item,
    [property: JsonPropertyName("polygon")] IReadOnlyList<int> Polygon,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("variance")] double Variance,
    [property: JsonPropertyName("entropy")] double Entropy,
    [property: JsonPropertyName("area")] int Area);

/// <summary>
/// The three outputs of a ranking, as bytes (the CLI writes them to disk and storage, the service to storage): the
/// same items give the same bytes, whatever order they were scored in, so a redelivered request rewrites them unchanged.
/// </summary>
public sealed record RankingOutputs(byte[] RankingCsv, byte[] SuperpixelsJson, byte[] ReportHtml)
{
    public const string RankingFile = "ranking.csv";
    public const string SuperpixelsFile = "superpixels.json";
    public const string ReportFile = "report.html";

    /// <summary>Images (or boxes) shown in the report.</summary>
    public const int DefaultReportItems = 24;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Items most uncertain first; ties in item id order.</summary>
    public static IReadOnlyList<ItemRanking> Order(IEnumerable<ItemRanking> items) =>
        items.OrderByDescending(i => i.Score).ThenBy(i => i.Item, StringComparer.Ordinal).ToList();

    /// <summary>The <paramref name="top"/> most uncertain superpixels across all items.</summary>
    public static IReadOnlyList<ChosenSuperpixel> Choose(IEnumerable<ItemRanking> items, int top) =>
        items.SelectMany(i => i.Superpixels.Select(s => (i, s)))
            .OrderByDescending(x => x.s.Score).ThenBy(x => x.i.Item, StringComparer.Ordinal).ThenBy(x => x.s.Index)
            .Take(Math.Max(0, top))
            .Select(x => new ChosenSuperpixel(x.i.Image, x.i.Item, x.s.Polygon, x.s.Score, x.s.Variance, x.s.Entropy, x.s.Area))
            .ToList();

    public static RankingOutputs Build(IEnumerable<ItemRanking> items, int topSuperpixels, string title, int reportItems = DefaultReportItems)
    {
        var ordered = Order(items);
        var chosen = Choose(ordered, topSuperpixels);
        return new RankingOutputs(Encoding.UTF8.GetBytes(Csv(ordered)), JsonSerializer.SerializeToUtf8Bytes(chosen, Json),
            Encoding.UTF8.GetBytes(Html(ordered, chosen, title, reportItems)));
    }

    /// <summary>
    /// ranking.csv: one row per item, most uncertain first, in the shape labelling platforms import (image first, then
    /// its score): image, score, mean_variance, mean_entropy, box_fit (empty for a whole image), passes, item, and the box
    /// (empty for a whole image).
    /// </summary>
    public static string Csv(IReadOnlyList<ItemRanking> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var csv = new StringBuilder("image,score,mean_variance,mean_entropy,box_fit,passes,item,box_x,box_y,box_width,box_height\n");
        foreach (var i in ordered)
        {
            var box = i.WholeImage ? ",,," : string.Join(',', i.Frame.Select(v => v.ToString(CultureInfo.InvariantCulture)));
            var boxFit = i.BoxFit is { } fit ? F(fit) : "";
            csv.Append(CultureInfo.InvariantCulture,
                $"{Field(i.Image)},{F(i.Score)},{F(i.MeanVariance)},{F(i.MeanEntropy)},{boxFit},{i.Passes},{Field(i.Item)},{box}\n");
        }
        return csv.ToString();
    }

    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it.</summary>
    internal static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>
    /// A self-contained page (no script, no outside link; pictures as data URIs): a legend (the heat map's colour scale,
    /// what an outline is), then the <paramref name="reportItems"/> most uncertain items, each with its picture, the chosen
    /// superpixels outlined on it, and its uncertainty heat map.
    /// </summary>
    public static string Html(IReadOnlyList<ItemRanking> ordered, IReadOnlyList<ChosenSuperpixel> chosen, string title, int reportItems)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(chosen);
        static string E(string s) => WebUtility.HtmlEncode(s);
        var byItem = chosen.GroupBy(c => c.Item).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var shown = ordered.Take(Math.Max(0, reportItems)).ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}")
            .Append("td.item{max-width:16em;overflow-wrap:anywhere}svg{display:block}")
            .Append("polygon.chosen{fill:none;stroke:#00e5ff;stroke-width:2;vector-effect:non-scaling-stroke}")
            .Append(".legend{display:flex;flex-wrap:wrap;align-items:center;gap:.4em 1.5em;margin:0 0 1em}.legend span{display:inline-flex;align-items:center;gap:.4em}")
            .Append(".ramp{display:inline-block;width:160px;height:14px;border:1px solid #999;")
            .Append("background:linear-gradient(to right,#000 0%,#f00 33.33%,#ff0 66.67%,#fff 100%)}")
            .Append("</style></head><body>\n<h1>").Append(E(title)).Append("</h1>\n");
        html.Append(CultureInfo.InvariantCulture,
            $"<p id=\"summary\">{ordered.Count} items ranked, the {shown.Count} most uncertain shown; {chosen.Count} superpixels chosen across all items. Score: mean per-pixel variance over the passes (entropy of the mean with one pass).</p>\n");
        // The heat map's scale is the primary measure's full range (ItemRanker.HeatMap): variance 0..0.25 with two passes or more, entropy 0..1 bit with one.
        var onePass = ordered.Count > 0 && ordered[0].Passes < 2;
        html.Append("<div class=\"legend\" id=\"legend\"><span>uncertainty: 0 <i class=\"ramp\"></i> ")
            .Append(onePass ? "1 bit (entropy of the one pass; black: sure, white: a coin toss)" : "0.25 (variance over the passes; black: they agree, white: half say 0 and half 1)")
            .Append("</span><span><svg width=\"28\" height=\"16\" viewBox=\"0 0 28 16\" aria-hidden=\"true\"><polygon class=\"chosen\" points=\"2,2 26,4 22,14 4,12\"/></svg>")
            .Append(CultureInfo.InvariantCulture, $"chosen superpixel: one of the {chosen.Count} most uncertain across the {ordered.Count} items (superpixels.json)</span></div>\n");
        var boxes = shown.Any(i => i.BoxFit is not null);
        html.Append("<table id=\"ranking\"><thead><tr><th>rank</th><th>item</th><th>score</th><th>variance</th><th>entropy</th>")
            .Append(boxes ? "<th title=\"1 - IoU of the model's mask's bounding box with the prompt box: 0 when the mask reaches every side of the box\">box fit</th>" : "")
            .Append("<th>picture, chosen superpixels</th><th>uncertainty</th></tr></thead><tbody>\n");
        foreach (var (item, rank) in shown.Select((item, i) => (item, i + 1)))
        {
            int fx = item.Frame[0], fy = item.Frame[1], fw = item.Frame[2], fh = item.Frame[3];
            var (w, h) = Display(fw, fh);
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"item\" data-item=\"{E(item.Item)}\"><td>{rank}</td><td class=\"item\">{E(item.Item)}</td><td class=\"score\">{F(item.Score)}</td><td>{F(item.MeanVariance)}</td><td>{F(item.MeanEntropy)}</td>");
            if (boxes)
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"box-fit\">{(item.BoxFit is { } fit ? F(fit) : "")}</td>");
            html.Append(CultureInfo.InvariantCulture,
                $"<td><svg class=\"picture\" width=\"{w}\" height=\"{h}\" viewBox=\"{fx} {fy} {fw} {fh}\" xmlns=\"http://www.w3.org/2000/svg\">");
            html.Append(CultureInfo.InvariantCulture,
                $"<image x=\"{fx}\" y=\"{fy}\" width=\"{fw}\" height=\"{fh}\" preserveAspectRatio=\"none\" href=\"data:image/jpeg;base64,{item.ThumbnailJpeg}\"/>");
            foreach (var s in byItem.GetValueOrDefault(item.Item) ?? [])
            {
                var points = string.Join(' ', Enumerable.Range(0, s.Polygon.Count / 2)
                    .Select(k => FormattableString.Invariant($"{s.Polygon[2 * k]},{s.Polygon[(2 * k) + 1]}")));
                html.Append(CultureInfo.InvariantCulture, $"<polygon class=\"chosen\" points=\"{points}\"><title>{F(s.Score)}</title></polygon>");
            }
            html.Append("</svg></td>");
            html.Append(CultureInfo.InvariantCulture,
                $"<td><img class=\"heat\" width=\"{w}\" height=\"{h}\" alt=\"uncertainty of {E(item.Item)}\" src=\"data:image/png;base64,{item.HeatPng}\"></td></tr>\n");
        }
        html.Append("</tbody></table>\n</body></html>\n");
        return html.ToString();
    }

    private static (int Width, int Height) Display(int width, int height)
    {
        var scale = (double)ItemRanker.PictureSide / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }
}
