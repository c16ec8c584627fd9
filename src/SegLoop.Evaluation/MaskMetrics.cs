using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Evaluation;

/// <summary>Boundary precision, recall and F-measure, as DAVIS's <c>db_eval_boundary</c> reports them.</summary>
public sealed record BoundaryScore(double Precision, double Recall, double F);

/// <summary>Every per-instance metric: region IoU, DAVIS boundary P/R/F and Boundary IoU.</summary>
public sealed record InstanceMetrics(double Iou, double BoundaryPrecision, double BoundaryRecall, double BoundaryF, double BoundaryIou);

/// <summary>The settings every metric of one run shares.</summary>
public sealed record MetricSettings
{
    public static MetricSettings Default { get; } = new();

    /// <summary>Boundary P/R/F matching radius; DAVIS's 0.008 of the diagonal unless set.</summary>
    public BoundaryTolerance Tolerance { get; init; } = BoundaryTolerance.Default;

    /// <summary>Boundary IoU band width; Cheng et al.'s 0.02 of the diagonal unless set.</summary>
    public BoundaryBand Band { get; init; } = BoundaryBand.Default;
}

/// <summary>
/// Per-instance metrics on binary masks of one size. Conventions for empty masks follow DAVIS: two empty masks
/// agree perfectly (IoU 1, P = R = F = 1, Boundary IoU 1); a prediction with no boundary against a ground truth
/// with one scores P = 1, R = 0 (and the reverse P = 0, R = 1), so F = 0.
/// </summary>
public static class MaskMetrics
{
    /// <summary>|G ∩ P| / |G ∪ P|; 1 when both are empty (DAVIS <c>db_eval_iou</c>).</summary>
    public static double Iou(Mask groundTruth, Mask prediction)
    {
        CheckSameSize(groundTruth, prediction);
        ReadOnlySpan<byte> g = groundTruth.Data, p = prediction.Data;
        long intersection = 0, union = 0;
        for (var i = 0; i < g.Length; i++)
        {
            intersection += g[i] & p[i];
            union += g[i] | p[i];
        }
        return union == 0 ? 1 : (double)intersection / union;
    }

    /// <summary>
    /// DAVIS's <c>seg2bmap</c> at the mask's own size: a pixel is on the boundary when it differs from its right,
    /// lower or lower-right neighbour (the last row compares only to the right, the last column only downwards,
    /// and the bottom-right corner is never set). The outline is one pixel wide, lies outside the object along its
    /// top and left and inside along its bottom and right, and is not closed along the image edge.
    /// </summary>
    public static Mask BoundaryMap(Mask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Mask.FromBytes(mask.Width, mask.Height, Seg2Bmap(mask.Data, mask.Width, mask.Height));
    }

    /// <summary>
    /// DAVIS <c>f_measure</c>: boundaries by <see cref="BoundaryMap"/>; a predicted boundary pixel matches when a
    /// ground-truth boundary pixel lies within Euclidean distance r (DAVIS dilates with skimage's disk(r), the
    /// pixels with dx² + dy² &lt;= r²), and the reverse for recall; F = 2PR / (P + R), 0 when P + R = 0.
    /// </summary>
    public static BoundaryScore Boundary(Mask groundTruth, Mask prediction, BoundaryTolerance tolerance)
    {
        CheckSameSize(groundTruth, prediction);
        ArgumentNullException.ThrowIfNull(tolerance);
        int w = groundTruth.Width, h = groundTruth.Height;
        var r = tolerance.RadiusFor(w, h);
        var gtBoundary = Seg2Bmap(groundTruth.Data, w, h);
        var predBoundary = Seg2Bmap(prediction.Data, w, h);
        var nGt = Count(gtBoundary);
        var nPred = Count(predBoundary);
        if (nGt == 0 || nPred == 0)
        {
            // DAVIS: no prediction boundary -> P 1, R 0; no ground-truth boundary -> P 0, R 1; neither -> 1, 1.
            var precision = nPred == 0 ? 1.0 : 0.0;
            var recall = nGt == 0 ? 1.0 : 0.0;
            return new BoundaryScore(precision, recall, FMeasure(precision, recall));
        }
        var r2 = (double)r * r;
        var toGt = DistanceTransform.SquaredEuclidean(gtBoundary, w, h);
        var toPred = DistanceTransform.SquaredEuclidean(predBoundary, w, h);
        long predMatched = 0, gtMatched = 0;
        for (var i = 0; i < gtBoundary.Length; i++)
        {
            if (predBoundary[i] != 0 && toGt[i] <= r2)
                predMatched++;
            if (gtBoundary[i] != 0 && toPred[i] <= r2)
                gtMatched++;
        }
        var p = (double)predMatched / nPred;
        var rc = (double)gtMatched / nGt;
        return new BoundaryScore(p, rc, FMeasure(p, rc));
    }

    /// <summary>
    /// Boundary IoU (Cheng et al. 2021) as boundary_iou/utils/boundary_utils.py computes it: each mask's band is
    /// the mask minus its d-fold 3x3 erosion with the image zero-padded (the mask pixels within chessboard
    /// distance d of the background or the image edge); the score is |G_band ∩ P_band| / |G_band ∪ P_band|,
    /// and 1 when both bands are empty (the reference gives NaN there).
    /// </summary>
    public static double BoundaryIou(Mask groundTruth, Mask prediction, BoundaryBand band)
    {
        CheckSameSize(groundTruth, prediction);
        ArgumentNullException.ThrowIfNull(band);
        int w = groundTruth.Width, h = groundTruth.Height;
        var d = band.WidthFor(w, h);
        var gt = DistanceTransform.ChessboardToBackground(groundTruth.Data, w, h);
        var pred = DistanceTransform.ChessboardToBackground(prediction.Data, w, h);
        long intersection = 0, union = 0;
        for (var i = 0; i < gt.Length; i++)
        {
            var inG = gt[i] is > 0 and var dg && dg <= d;
            var inP = pred[i] is > 0 and var dp && dp <= d;
            if (inG && inP)
                intersection++;
            if (inG || inP)
                union++;
        }
        return union == 0 ? 1 : (double)intersection / union;
    }

    /// <summary>All metrics for one instance.</summary>
    public static InstanceMetrics Evaluate(Mask groundTruth, Mask prediction, MetricSettings? settings = null)
    {
        settings ??= MetricSettings.Default;
        var boundary = Boundary(groundTruth, prediction, settings.Tolerance);
        return new InstanceMetrics(
            Iou(groundTruth, prediction), boundary.Precision, boundary.Recall, boundary.F, BoundaryIou(groundTruth, prediction, settings.Band));
    }

    /// <summary>All metrics for one instance given as COCO RLEs.</summary>
    public static InstanceMetrics Evaluate(RleMask groundTruth, RleMask prediction, MetricSettings? settings = null) =>
        Evaluate(ToMask(groundTruth), ToMask(prediction), settings);

    /// <summary>A COCO RLE as a row-major mask.</summary>
    public static Mask ToMask(RleMask rle)
    {
        ArgumentNullException.ThrowIfNull(rle);
        return Mask.FromBytes(rle.Width, rle.Height, rle.Decode());
    }

    private static double FMeasure(double precision, double recall) =>
        precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);

    private static byte[] Seg2Bmap(ReadOnlySpan<byte> seg, int w, int h)
    {
        var b = new byte[seg.Length];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = (y * w) + x;
                var v = seg[i] != 0;
                bool lastRow = y == h - 1, lastColumn = x == w - 1;
                if (lastRow && lastColumn)
                    continue;
                var east = !lastColumn && seg[i + 1] != 0;
                var south = !lastRow && seg[i + w] != 0;
                var southEast = !lastRow && !lastColumn && seg[i + w + 1] != 0;
                bool edge;
                if (lastRow)
                    edge = v != east;
                else if (lastColumn)
                    edge = v != south;
                else
                    edge = v != east || v != south || v != southEast;
                b[i] = edge ? (byte)1 : (byte)0;
            }
        }
        return b;
    }

    private static long Count(byte[] values)
    {
        long n = 0;
        foreach (var v in values)
            n += v;
        return n;
    }

    private static void CheckSameSize(Mask groundTruth, Mask prediction)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(prediction);
        if (groundTruth.Width != prediction.Width || groundTruth.Height != prediction.Height)
            throw new ArgumentException(
                $"ground truth is {groundTruth.Width} x {groundTruth.Height} but the prediction is {prediction.Width} x {prediction.Height}");
    }
}
