using System.Globalization;
using System.Net;
using System.Text;
using SegLoop.Contracts;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Evaluation;

/// <summary>
/// A self-contained HTML report: summary tables (overall, per domain, per domain x class, at each click step) and the
/// worst instances as overlays (ground truth tinted green with a green outline, prediction outlined red, clicks as
/// dots: green positive, magenta negative), embedded as PNG data URIs.
/// </summary>
public static class HtmlReport
{
    private const int MaxOverlayWidth = 360;
    private const int CropSide = 260;

    private const string Style =
        "body{font:14px/1.45 system-ui,sans-serif;margin:20px auto;max-width:1360px;padding:0 12px;color:#1d2330;background:#f6f7f9}"
        + "h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:22px 0 8px}p.sub{color:#5b6475;margin:0 0 14px;overflow-wrap:anywhere}"
        + ".cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border-radius:8px;padding:8px 14px;box-shadow:0 1px 2px rgba(0,0,0,.1);min-width:120px}"
        + ".card b{display:block;font-size:20px}.card span{color:#5b6475;font-size:12px}"
        + ".row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}"
        + "table{border-collapse:collapse;background:#fff;font-size:13px;max-width:100%}td,th{border:1px solid #dde;padding:3px 7px;text-align:right}"
        + "th{background:#eef0f4}td.l,th.l{text-align:left}caption{text-align:left;font-weight:600;padding:4px 0}"
        + "details{margin:10px 0}summary{cursor:pointer;color:#2451a6}"
        + ".legend{display:flex;flex-wrap:wrap;gap:16px;font-size:13px;margin:6px 0 12px}.legend i{display:inline-block;width:14px;height:14px;margin-right:5px;vertical-align:-2px;border-radius:3px}"
        + ".cases{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:14px}"
        + ".case{background:#fff;border-radius:8px;padding:8px;box-shadow:0 1px 2px rgba(0,0,0,.1)}.case .pair{display:flex;gap:6px}"
        + "figure{margin:0}figure img{display:block;max-width:100%;height:auto;border-radius:4px}"
        + "figcaption,.meta{font-size:12px;color:#5b6475;overflow-wrap:anywhere}.empty{display:inline-block;background:#b42318;color:#fff;border-radius:4px;padding:0 6px;font-weight:600}"
        + "svg text{font-size:11px;fill:#334}";

    /// <summary>Colours of the curve's lines, one per domain after the overall line.</summary>
    private static readonly string[] LineColours = ["#1d2330", "#2f6fde", "#d9480f", "#2b8a3e", "#ae3ec9", "#e67700", "#0c8599", "#c2255c"];

    public static string Render(EvaluationResult result, GroundTruthSet truth, int worstCases = 8)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(truth);
        var s = result.Summary;
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>segloop evaluate</title><style>").Append(Style).Append("</style></head><body><h1>segloop evaluate</h1><p class=\"sub\">")
            .Append(Encode($"Ground truth: {s.GroundTruth}. Predictions: {s.Predictions ?? "made by the segmenter from ground-truth boxes"}. "))
            .Append(Encode($"Segmenter: {s.Segmenter ?? "none"}. Boundary tolerance: {s.Tolerance}. Boundary IoU band: {s.Band}. "))
            .Append(Encode($"Simulated clicks: {s.Clicks}. Unmatched predictions: {s.UnmatchedPredictions}."))
            .Append("</p>");
        Cards(html, s);

        html.Append("<div class=\"row\">");
        if (s.Overall.Steps.Count > 1)
            Curve(html, s);
        Table(html, "Overall and per domain", [s.Overall, .. s.Domains], s.Clicks);
        html.Append("</div>");
        Table(html, "Per domain and class", s.Strata, s.Clicks);
        if (s.Overall.Steps.Count > 1)
        {
            html.Append("<details id=\"per-click\"><summary>Every metric after each click (overall and per domain)</summary><div class=\"row\">");
            foreach (var (name, pick) in new (string, Func<StepSummary, double>)[]
                     { ("IoU", x => x.Iou), ("boundary F", x => x.BoundaryF), ("Boundary IoU", x => x.BoundaryIou) })
                StepTable(html, name, [s.Overall, .. s.Domains], pick);
            html.Append("</div></details>");
        }

        html.Append("<h2 id=\"worst\">Worst instances (lowest IoU before any click), cropped to the object</h2>");
        html.Append("<div class=\"legend\"><span><i style=\"background:rgba(0,200,0,.45);border:2px solid #00c800\"></i>ground truth (tint and outline)</span>")
            .Append("<span><i style=\"border:2px solid #ff0000\"></i>prediction outline</span>")
            .Append("<span><i style=\"background:#00ff00;border-radius:50%\"></i>positive click</span>")
            .Append("<span><i style=\"background:#ff00ff;border-radius:50%\"></i>negative click</span>")
            .Append("<span><span class=\"empty\">empty</span> the segmenter returned no pixel</span></div><div class=\"cases\">");
        foreach (var worst in result.Instances.Where(i => i.InitialPrediction is not null).OrderBy(i => i.Steps[0].Iou).Take(worstCases))
        {
            var gt = truth.Instances.First(i => i.AnnotationId == worst.AnnotationId);
            var image = truth.Images[worst.ImageId];
            html.Append("<div class=\"case\"><div class=\"pair\">");
            Figure(html, image, gt.Mask, worst.InitialPrediction!, [], "before clicks", worst.Steps[0]);
            if (worst.Clicks.Count > 0 && worst.FinalPrediction is not null)
                Figure(html, image, gt.Mask, worst.FinalPrediction, worst.Clicks, $"after {worst.Clicks.Count} clicks", worst.Steps[^1]);
            html.Append("</div><div class=\"meta\">")
                .Append(Encode($"{worst.FileName} · {worst.Category} · annotation {worst.AnnotationId} · {worst.Domain}"))
                .Append("</div></div>");
        }
        html.Append("</div></body></html>");
        return html.ToString();
    }

    private static void Cards(StringBuilder html, EvaluationSummary s)
    {
        void Card(string id, string value, string label) =>
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" id=\"{id}\"><b>{Encode(value)}</b><span>{Encode(label)}</span></div>");
        html.Append("<div class=\"cards\">");
        Card("instances", s.Overall.Instances.ToString(CultureInfo.InvariantCulture), "instances");
        if (s.Overall.Steps.Count > 0)
        {
            Card("iou-first", F(s.Overall.Steps[0].Iou), "mean IoU before clicks");
            if (s.Overall.Steps.Count > 1)
                Card("iou-last", F(s.Overall.Steps[^1].Iou), $"mean IoU after {s.Overall.Steps.Count - 1} clicks");
            Card("bf-first", F(s.Overall.Steps[0].BoundaryF), "boundary F before clicks");
        }
        foreach (var noc in s.Overall.Noc)
        {
            Card($"noc{noc.Threshold * 100:0}", noc.Mean.ToString("0.00", CultureInfo.InvariantCulture),
                FormattableString.Invariant($"NoC@{noc.Threshold * 100:0}: mean clicks to IoU {noc.Threshold:0.00} (max {noc.MaxClicks}; {noc.Reached}/{noc.Instances} reached)"));
        }
        html.Append("</div>");
    }

    /// <summary>Mean IoU against clicks, overall and per domain, with the NoC thresholds drawn; inline SVG, no script.</summary>
    private static void Curve(StringBuilder html, EvaluationSummary s)
    {
        const int W = 460, H = 280, L = 44, R = 110, T = 14, B = 36;
        var clicks = s.Overall.Steps.Count - 1;
        var lo = Math.Max(0, Math.Floor(Math.Min(0.8, s.Domains.Append(s.Overall).SelectMany(d => d.Steps).Select(x => x.Iou).DefaultIfEmpty(0).Min()) * 10) / 10);
        double X(int k) => L + ((W - L - R) * k / (double)Math.Max(1, clicks));
        double Y(double iou) => T + ((H - T - B) * (1 - ((iou - lo) / (1 - lo))));
        var inv = CultureInfo.InvariantCulture;
        html.Append(inv, $"<figure id=\"curve\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"mean IoU against clicks\" style=\"background:#fff;border-radius:8px\">");
        for (var v = lo; v <= 1.0001; v += 0.1)
            html.Append(inv, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{Y(v):0.0}\" y2=\"{Y(v):0.0}\" stroke=\"#e3e6ec\"/><text x=\"{L - 6}\" y=\"{Y(v) + 4:0.0}\" text-anchor=\"end\">{v:0.0}</text>");
        foreach (var t in NumberOfClicks.Thresholds)
            html.Append(inv, $"<line class=\"threshold\" x1=\"{L}\" x2=\"{W - R}\" y1=\"{Y(t):0.0}\" y2=\"{Y(t):0.0}\" stroke=\"#868e96\" stroke-dasharray=\"4 3\"/><text x=\"{W - R + 4}\" y=\"{Y(t) + 4:0.0}\">IoU {t:0.00}</text>");
        for (var k = 0; k <= clicks; k++)
            html.Append(inv, $"<text x=\"{X(k):0.0}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{k}</text>");
        html.Append(inv, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 4}\" text-anchor=\"middle\">clicks</text><text transform=\"rotate(-90)\" x=\"{-(T + H - B) / 2}\" y=\"11\" text-anchor=\"middle\">IoU</text>");
        var series = new List<StratumSummary> { s.Overall };
        series.AddRange(s.Domains.Count > 1 ? s.Domains.Take(LineColours.Length - 1) : []);
        for (var i = 0; i < series.Count; i++)
        {
            var points = string.Join(' ', series[i].Steps.Select(x => string.Create(inv, $"{X(x.Clicks):0.0},{Y(x.Iou):0.0}")));
            var colour = LineColours[i];
            var name = i == 0 ? "all" : series[i].Domain;
            html.Append(inv, $"<polyline class=\"series\" data-name=\"{Encode(name)}\" points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{(i == 0 ? 2.5 : 1.5)}\"/>");
            foreach (var x in series[i].Steps)
                html.Append(inv, $"<circle cx=\"{X(x.Clicks):0.0}\" cy=\"{Y(x.Iou):0.0}\" r=\"2.5\" fill=\"{colour}\"><title>{Encode(name)}: IoU {F(x.Iou)} after {x.Clicks} clicks</title></circle>");
            html.Append(inv, $"<text x=\"{W - R + 4}\" y=\"{T + 10 + (14 * i)}\" fill=\"{colour}\">{Encode(name.Length > 16 ? name[..16] : name)}</text>");
        }
        html.Append("</svg><figcaption>Mean IoU after each simulated click (dashed: the NoC@85 and NoC@90 thresholds).</figcaption></figure>");
    }

    /// <summary>One row per stratum: size, IoU / boundary F / BIoU before clicks and after the last, NoC: 12 columns at most.</summary>
    private static void Table(StringBuilder html, string title, IReadOnlyList<StratumSummary> rows, int clicks)
    {
        var last = clicks > 0;
        html.Append("<table class=\"metrics\"><caption>").Append(Encode(title)).Append("</caption><tr><th class=\"l\">domain</th><th class=\"l\">class</th><th>n</th><th>missed</th>")
            .Append("<th>IoU</th><th>bnd F</th><th>BIoU</th>");
        if (last)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>IoU @{clicks}</th><th>bnd F @{clicks}</th><th>BIoU @{clicks}</th>");
            foreach (var t in NumberOfClicks.Thresholds)
                html.Append(CultureInfo.InvariantCulture, $"<th title=\"mean clicks to reach IoU {t:0.00}, capped at {clicks}\">NoC@{t * 100:0}</th>");
        }
        html.Append("</tr>");
        foreach (var row in rows)
        {
            html.Append("<tr><td class=\"l\">").Append(Encode(row.Domain)).Append("</td><td class=\"l\">").Append(Encode(row.Category))
                .Append(CultureInfo.InvariantCulture, $"</td><td>{row.Instances}</td><td>{row.Missed}</td>");
            if (row.Steps.Count == 0)
            {
                html.Append("</tr>");
                continue;
            }
            var first = row.Steps[0];
            html.Append(CultureInfo.InvariantCulture, $"<td>{F(first.Iou)}</td><td>{F(first.BoundaryF)}</td><td>{F(first.BoundaryIou)}</td>");
            if (last)
            {
                var end = row.Steps[^1];
                html.Append(CultureInfo.InvariantCulture, $"<td>{F(end.Iou)}</td><td>{F(end.BoundaryF)}</td><td>{F(end.BoundaryIou)}</td>");
                foreach (var noc in row.Noc)
                    html.Append(CultureInfo.InvariantCulture, $"<td>{noc.Mean:0.00}</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</table>");
    }

    private static void StepTable(StringBuilder html, string metric, IReadOnlyList<StratumSummary> rows, Func<StepSummary, double> pick)
    {
        var steps = rows.Count == 0 ? 0 : rows.Max(r => r.Steps.Count);
        html.Append("<table class=\"metrics\"><caption>").Append(Encode(metric)).Append(" after k clicks</caption><tr><th class=\"l\">domain</th>");
        for (var k = 0; k < steps; k++)
            html.Append(CultureInfo.InvariantCulture, $"<th>@{k}</th>");
        html.Append("</tr>");
        foreach (var row in rows)
        {
            html.Append("<tr><td class=\"l\">").Append(Encode(row.Domain)).Append("</td>");
            foreach (var step in row.Steps)
                html.Append("<td>").Append(F(pick(step))).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</table>");
    }

    /// <summary>The overlay as PNG bytes: ground truth tinted green and outlined, prediction outlined red, clicks as dots.</summary>
    public static byte[] Overlay(Image bgr, RleMask truth, RleMask prediction, IReadOnlyList<Click> clicks, Rect? window = null)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(clicks);
        int w = bgr.Width, h = bgr.Height;
        var gt = MaskMetrics.ToMask(truth);
        var pred = MaskMetrics.ToMask(prediction);
        var thickness = Math.Max(1, (window?.Width ?? w) / (window is null ? MaxOverlayWidth : CropSide));
        var gtEdge = MaskOps.Dilate(MaskMetrics.BoundaryMap(gt), thickness).Data;
        var predEdge = MaskOps.Dilate(MaskMetrics.BoundaryMap(pred), thickness).Data;
        var src = bgr.Pixels;
        var channels = bgr.Channels;
        var pixels = new byte[w * h * 3];
        for (var i = 0; i < w * h; i++)
        {
            byte b, g, r;
            if (channels == 1)
                b = g = r = src[i];
            else
            {
                b = src[(i * channels) + 0];
                g = src[(i * channels) + 1];
                r = src[(i * channels) + 2];
            }
            if (gt.Data[i] != 0)
            {
                b = (byte)(b * 0.65);
                g = (byte)((g * 0.65) + (255 * 0.35));
                r = (byte)(r * 0.65);
            }
            if (gtEdge[i] != 0)
                (b, g, r) = ((byte)0, (byte)200, (byte)0);
            if (predEdge[i] != 0)
                (b, g, r) = ((byte)0, (byte)0, (byte)255);
            pixels[(i * 3) + 0] = b;
            pixels[(i * 3) + 1] = g;
            pixels[(i * 3) + 2] = r;
        }
        var radius = 3 * thickness;
        foreach (var click in clicks)
        {
            int cx = (int)click.X, cy = (int)click.Y;
            for (var y = cy - radius; y <= cy + radius; y++)
            {
                for (var x = cx - radius; x <= cx + radius; x++)
                {
                    if ((uint)x >= (uint)w || (uint)y >= (uint)h || ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) > radius * radius)
                        continue;
                    var i = ((y * w) + x) * 3;
                    (pixels[i], pixels[i + 1], pixels[i + 2]) = click.Positive ? ((byte)0, (byte)255, (byte)0) : ((byte)255, (byte)0, (byte)255);
                }
            }
        }
        using var overlay = Image.FromPixels(w, h, 3, pixels);
        if (window is { } crop)
        {
            // Cropped to the object and scaled so its longer side is CropSide: a 30 px object is as readable as a large one.
            using var cut = overlay.Crop(crop);
            var scale = (double)CropSide / Math.Max(crop.Width, crop.Height);
            using var sized = cut.Resize(Math.Max(1, (int)Math.Round(crop.Width * scale)), Math.Max(1, (int)Math.Round(crop.Height * scale)),
                scale > 1 ? Interpolation.Linear : Interpolation.Area);
            return sized.EncodePng();
        }
        if (w <= MaxOverlayWidth)
            return overlay.EncodePng();
        using var small = overlay.Resize(MaxOverlayWidth, Math.Max(1, h * MaxOverlayWidth / w), Interpolation.Area);
        return small.EncodePng();
    }

    private static void Figure(StringBuilder html, GroundTruthImage image, RleMask truth, RleMask prediction, IReadOnlyList<Click> clicks,
        string when, InstanceMetrics metrics)
    {
        var empty = prediction.Area == 0;
        html.Append(empty ? "<figure class=\"empty-prediction\">" : "<figure>");
        if (image.Path is not null)
        {
            using var bgr = Evaluator.LoadImage(image);
            html.Append("<img alt=\"").Append(Encode($"{image.FileName} {when}")).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(Overlay(bgr, truth, prediction, clicks, ObjectWindow(truth, prediction, bgr.Width, bgr.Height))))
                .Append("\">");
        }
        else
        {
            html.Append("<p>(image not found on disk)</p>");
        }
        html.Append("<figcaption>").Append(empty ? "<span class=\"empty\">empty</span> " : "").Append(Encode(when))
            .Append(Encode($": IoU {F(metrics.Iou)}, boundary F {F(metrics.BoundaryF)}, BIoU {F(metrics.BoundaryIou)}")).Append("</figcaption></figure>");
    }

    /// <summary>The box around the ground truth and the prediction, with a quarter of its size as context, at least 48 px a side.</summary>
    public static Rect ObjectWindow(RleMask truth, RleMask prediction, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(prediction);
        var boxes = new[] { truth, prediction }.Where(m => m.Area > 0).Select(m => m.Bbox).ToList();
        if (boxes.Count == 0)
            return new Rect(0, 0, width, height);
        double x0 = boxes.Min(b => b.X), y0 = boxes.Min(b => b.Y), x1 = boxes.Max(b => b.X + b.Width), y1 = boxes.Max(b => b.Y + b.Height);
        var side = Math.Max(48, Math.Max(x1 - x0, y1 - y0) * 1.25);
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
        var left = (int)Math.Clamp(Math.Floor(cx - (side / 2)), 0, Math.Max(0, width - 1));
        var top = (int)Math.Clamp(Math.Floor(cy - (side / 2)), 0, Math.Max(0, height - 1));
        var right = (int)Math.Clamp(Math.Ceiling(cx + (side / 2)), left + 1, width);
        var bottom = (int)Math.Clamp(Math.Ceiling(cy + (side / 2)), top + 1, height);
        return new Rect(left, top, right - left, bottom - top);
    }

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
