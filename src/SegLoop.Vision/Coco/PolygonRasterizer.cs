namespace SegLoop.Vision.Coco;

/// <summary>
/// pycocotools' <c>rleFrPoly</c>: the polygon's vertices are scaled by 5 and rounded, its edges walked one
/// upsampled step at a time, the points where the boundary crosses a pixel column centre kept (downsampled and
/// rounded up in y), and the sorted crossings turned into run lengths. Same integer and double arithmetic in the
/// same order, so the counts match pycocotools bit for bit. The dense boundary is streamed, not stored.
/// </summary>
internal static class PolygonRasterizer
{
    private const double Scale = 5;

    /// <summary>Vertices further than this from the origin are refused: the upsampled walk must stay in int range.</summary>
    public const double MaxAbsCoordinate = 1 << 24;

    public static uint[] Rasterize(ReadOnlySpan<double> xy, int polygonIndex, int h, int w)
    {
        if (xy.Length % 2 != 0)
            throw new CocoMaskException($"Polygon {polygonIndex} has {xy.Length} coordinates; a polygon is a flat x0,y0,x1,y1,... list, so the count must be even.");
        var k = xy.Length / 2;
        if (k < 3)
            throw new CocoMaskException($"Polygon {polygonIndex} has {k} point(s); a polygon needs at least 3.");
        for (var i = 0; i < xy.Length; i++)
        {
            var value = xy[i];
            if (!double.IsFinite(value))
                throw new CocoMaskException($"Polygon {polygonIndex} has the non-finite coordinate {value} at index {i} ({(i % 2 == 0 ? "x" : "y")} of point {i / 2}).");
            if (Math.Abs(value) > MaxAbsCoordinate)
                throw new CocoMaskException($"Polygon {polygonIndex} has the coordinate {value} at index {i}, beyond +/-{MaxAbsCoordinate} (not an image coordinate).");
        }

        var x = new int[k + 1];
        var y = new int[k + 1];
        for (var j = 0; j < k; j++)
            x[j] = (int)(Scale * xy[j * 2] + .5);
        x[k] = x[0];
        for (var j = 0; j < k; j++)
            y[j] = (int)(Scale * xy[j * 2 + 1] + .5);
        y[k] = y[0];

        // Column crossings (pixel x, rounded-up pixel y), found while walking the upsampled boundary.
        var crossings = new List<uint>();
        var havePrevious = false;
        int pu = 0, pv = 0;
        void Visit(int u, int v)
        {
            if (havePrevious && u != pu)
            {
                double xd = u < pu ? u : u - 1;
                xd = (xd + .5) / Scale - .5;
                if (Math.Floor(xd) == xd && xd >= 0 && xd <= w - 1)
                {
                    double yd = v < pv ? v : pv;
                    yd = (yd + .5) / Scale - .5;
                    if (yd < 0)
                        yd = 0;
                    else if (yd > h)
                        yd = h;
                    yd = Math.Ceiling(yd);
                    crossings.Add((uint)((int)xd * h + (int)yd));
                }
            }
            pu = u;
            pv = v;
            havePrevious = true;
        }

        for (var j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            var dx = Math.Abs(xe - xs);
            var dy = Math.Abs(ys - ye);
            var flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip)
            {
                (xs, xe) = (xe, xs);
                (ys, ye) = (ye, ys);
            }
            var s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
            if (dx >= dy)
            {
                for (var d = 0; d <= dx; d++)
                {
                    var t = flip ? dx - d : d;
                    Visit(t + xs, (int)(ys + s * t + .5));
                }
            }
            else
            {
                for (var d = 0; d <= dy; d++)
                {
                    var t = flip ? dy - d : d;
                    Visit((int)(xs + s * t + .5), t + ys);
                }
            }
        }

        // Run lengths from the sorted crossings; a zero-length run merges its neighbours, as pycocotools does.
        crossings.Add((uint)(h * w));
        var a = crossings.ToArray();
        Array.Sort(a);
        uint p = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var t = a[j];
            a[j] -= p;
            p = t;
        }
        var b = new List<uint>(a.Length) { a[0] };
        var i2 = 1;
        while (i2 < a.Length)
        {
            if (a[i2] > 0)
            {
                b.Add(a[i2++]);
            }
            else
            {
                i2++;
                if (i2 < a.Length)
                    b[^1] += a[i2++];
            }
        }
        return [.. b];
    }
}
