using SegLoop.Contracts;
using SegLoop.Vision;

namespace SegLoop.Evaluation;

/// <summary>
/// Simulates the corrective click an annotator would make: at the centre of the largest error region. The
/// false negatives (ground truth the prediction misses) and false positives (prediction outside the ground truth)
/// are split into 8-connected components; the largest by area is the one to fix, and its centre is the pixel
/// farthest (Euclidean) from the component's border, where beyond the image edge counts as outside. A miss gets
/// a positive click, a false alarm a negative one. Ties go to the false negatives, then to the first pixel in
/// row-major order.
/// </summary>
public static class ClickSimulator
{
    /// <summary>The next click, or null when the prediction equals the ground truth.</summary>
    public static Click? NextClick(Mask groundTruth, Mask prediction)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(prediction);
        if (groundTruth.Width != prediction.Width || groundTruth.Height != prediction.Height)
            throw new ArgumentException(
                $"ground truth is {groundTruth.Width} x {groundTruth.Height} but the prediction is {prediction.Width} x {prediction.Height}");
        int w = groundTruth.Width, h = groundTruth.Height;
        ReadOnlySpan<byte> g = groundTruth.Data, p = prediction.Data;
        var missed = new byte[g.Length];
        var falseAlarm = new byte[g.Length];
        for (var i = 0; i < g.Length; i++)
        {
            missed[i] = (byte)(g[i] & (p[i] ^ 1));
            falseAlarm[i] = (byte)(p[i] & (g[i] ^ 1));
        }
        var (missedRegion, missedArea) = LargestComponent(missed, w, h);
        var (falseRegion, falseArea) = LargestComponent(falseAlarm, w, h);
        if (missedArea == 0 && falseArea == 0)
            return null;
        var positive = missedArea >= falseArea;
        var region = positive ? missedRegion! : falseRegion!;
        var (x, y) = Centre(region, w, h);
        return new Click(x, y, positive);
    }

    /// <summary>The pixel of <paramref name="region"/> farthest from its border (first in row-major order on ties).</summary>
    public static (int X, int Y) Centre(byte[] region, int width, int height)
    {
        var distance = DistanceTransform.SquaredEuclideanInside(region, width, height);
        var best = -1;
        for (var i = 0; i < distance.Length; i++)
        {
            if (region[i] != 0 && (best < 0 || distance[i] > distance[best]))
                best = i;
        }
        if (best < 0)
            throw new ArgumentException("the region is empty", nameof(region));
        return (best % width, best / width);
    }

    // The largest 8-connected component as a 0/1 grid and its area; (null, 0) when there is none.
    private static (byte[]? Region, int Area) LargestComponent(byte[] mask, int w, int h)
    {
        var labels = new int[mask.Length];
        var stack = new Stack<int>();
        int bestLabel = 0, bestArea = 0, next = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (mask[start] == 0 || labels[start] != 0)
                continue;
            var label = ++next;
            var area = 0;
            labels[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                area++;
                int x = i % w, y = i / w;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx, ny = y + dy;
                        if ((uint)nx >= (uint)w || (uint)ny >= (uint)h)
                            continue;
                        var j = (ny * w) + nx;
                        if (mask[j] != 0 && labels[j] == 0)
                        {
                            labels[j] = label;
                            stack.Push(j);
                        }
                    }
                }
            }
            if (area > bestArea)
            {
                bestArea = area;
                bestLabel = label;
            }
        }
        if (bestArea == 0)
            return (null, 0);
        var region = new byte[mask.Length];
        for (var i = 0; i < region.Length; i++)
            region[i] = labels[i] == bestLabel ? (byte)1 : (byte)0;
        return (region, bestArea);
    }
}
