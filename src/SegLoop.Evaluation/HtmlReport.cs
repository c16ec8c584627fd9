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

    public static string Render(EvaluationResult result, GroundTruthSet truth, int worstCases = 8)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(truth);
        var s = result.Summary;
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>segloop evaluate</title><style>")
            .Append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
            .Append("th{background:#eee}td.l{text-align:left}figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:12px;max-width:360px}")
            .Append("</style></head><body><h1>segloop evaluate</h1><p>")
            .Append(Encode($"Ground truth: {s.GroundTruth}. Predictions: {s.Predictions ?? "made by the segmenter from ground-truth boxes"}. "))
            .Append(Encode($"Segmenter: {s.Segmenter ?? "none"}. Boundary tolerance: {s.Tolerance}. Boundary IoU band: {s.Band}. "))
            .Append(Encode($"Simulated clicks: {s.Clicks}. Unmatched predictions: {s.UnmatchedPredictions}."))
            .Append("</p>");
        Table(html, "Overall", [s.Overall]);
        Table(html, "Per domain", s.Domains);
        Table(html, "Per domain and class", s.Strata);

        html.Append("<h2>Worst instances (lowest IoU before any click)</h2>");
        foreach (var worst in result.Instances.Where(i => i.InitialPrediction is not null).OrderBy(i => i.Steps[0].Iou).Take(worstCases))
        {
            var gt = truth.Instances.First(i => i.AnnotationId == worst.AnnotationId);
            var image = truth.Images[worst.ImageId];
            html.Append("<div>");
            Figure(html, image, gt.Mask, worst.InitialPrediction!, [],
                $"{worst.FileName} · {worst.Category} · annotation {worst.AnnotationId} · before clicks: IoU {F(worst.Steps[0].Iou)}, boundary F {F(worst.Steps[0].BoundaryF)}, BIoU {F(worst.Steps[0].BoundaryIou)}");
            if (worst.Clicks.Count > 0 && worst.FinalPrediction is not null)
            {
                var last = worst.Steps[^1];
                Figure(html, image, gt.Mask, worst.FinalPrediction, worst.Clicks,
                    $"after {worst.Clicks.Count} clicks: IoU {F(last.Iou)}, boundary F {F(last.BoundaryF)}, BIoU {F(last.BoundaryIou)}");
            }
            html.Append("</div>");
        }
        html.Append("</body></html>");
        return html.ToString();
    }

    /// <summary>The overlay as PNG bytes: ground truth tinted green and outlined, prediction outlined red, clicks as dots.</summary>
    public static byte[] Overlay(Image bgr, RleMask truth, RleMask prediction, IReadOnlyList<Click> clicks)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(clicks);
        int w = bgr.Width, h = bgr.Height;
        var gt = MaskMetrics.ToMask(truth);
        var pred = MaskMetrics.ToMask(prediction);
        var thickness = Math.Max(1, w / MaxOverlayWidth);
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
        if (w <= MaxOverlayWidth)
            return overlay.EncodePng();
        using var small = overlay.Resize(MaxOverlayWidth, Math.Max(1, h * MaxOverlayWidth / w), Interpolation.Area);
        return small.EncodePng();
    }

    private static void Figure(StringBuilder html, GroundTruthImage image, RleMask truth, RleMask prediction, IReadOnlyList<Click> clicks, string caption)
    {
        html.Append("<figure>");
        if (image.Path is not null)
        {
            using var bgr = Evaluator.LoadImage(image);
            html.Append("<img alt=\"overlay\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(Overlay(bgr, truth, prediction, clicks)))
                .Append("\">");
        }
        else
        {
            html.Append("<p>(image not found on disk)</p>");
        }
        html.Append("<figcaption>").Append(Encode(caption)).Append("</figcaption></figure>");
    }

    private static void Table(StringBuilder html, string title, IReadOnlyList<StratumSummary> rows)
    {
        html.Append("<h2>").Append(Encode(title)).Append("</h2><table><tr><th>domain</th><th>class</th><th>instances</th><th>missed</th>");
        var steps = rows.Count == 0 ? 0 : rows.Max(r => r.Steps.Count);
        for (var k = 0; k < steps; k++)
            html.Append(CultureInfo.InvariantCulture, $"<th>IoU @{k}</th><th>boundary F @{k}</th><th>BIoU @{k}</th>");
        html.Append("</tr>");
        foreach (var row in rows)
        {
            html.Append("<tr><td class=\"l\">").Append(Encode(row.Domain)).Append("</td><td class=\"l\">").Append(Encode(row.Category))
                .Append(CultureInfo.InvariantCulture, $"</td><td>{row.Instances}</td><td>{row.Missed}</td>");
            foreach (var step in row.Steps)
                html.Append(CultureInfo.InvariantCulture, $"<td>{F(step.Iou)}</td><td>{F(step.BoundaryF)}</td><td>{F(step.BoundaryIou)}</td>");
            html.Append("</tr>");
        }
        html.Append("</table><p style=\"font-size:12px\">@k: after k simulated clicks.</p>");
    }

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
