using SegLoop.Contracts;

namespace SegLoop.Vision.Coco;

/// <summary>
/// A binary mask as COCO run lengths, exactly as pycocotools keeps it: pixels in column-major (Fortran) order,
/// counts alternating zeros and ones and starting with zeros (a leading 0 when the first pixel is set).
/// Immutable; every instance has counts that sum to <see cref="Height"/> x <see cref="Width"/>.
/// </summary>
public sealed class RleMask : IEquatable<RleMask>
{
    private readonly uint[] _counts;

    /// <summary>Wraps counts already in pycocotools' form; throws <see cref="CocoMaskException"/> unless they sum to height x width.</summary>
    public RleMask(int height, int width, ReadOnlySpan<uint> counts)
    {
        var area = CheckSize(height, width);
        long sum = 0;
        foreach (var c in counts)
            sum += c; // at most 2^31 counts of < 2^32 each: cannot overflow a long.
        if (sum != area)
            throw new CocoMaskException($"RLE counts sum to {sum} but a {height}x{width} (height x width) mask has {area} pixels.");
        Height = height;
        Width = width;
        _counts = counts.IsEmpty ? [0] : counts.ToArray(); // an empty mask is one run of no zeros, as encode gives it.
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>The run lengths, zeros first, column-major.</summary>
    public ReadOnlySpan<uint> Counts => _counts;

    /// <summary>Number of set pixels (pycocotools <c>area</c>).</summary>
    public long Area
    {
        get
        {
            long area = 0;
            for (var j = 1; j < _counts.Length; j += 2)
                area += _counts[j];
            return area;
        }
    }

    /// <summary>
    /// The box around the set pixels (pycocotools <c>toBbox</c>, as in the maintained pycocotools that pip
    /// installs: zero-length runs are skipped, so RLEs with leading empty runs get the box of their pixels).
    /// </summary>
    public RleBox Bbox
    {
        get
        {
            var h = (uint)Height;
            var w = (uint)Width;
            var m = _counts.Length / 2 * 2;
            if (m == 0)
                return default;
            uint xs = w, ys = h, xe = 0, ye = 0, cc = 0;
            for (var j = 0; j < m; j++)
            {
                var start = cc;
                cc += _counts[j];
                if (j % 2 == 0 || _counts[j] == 0)
                    continue;
                uint yStart = start % h, xStart = (start - yStart) / h;
                uint yEnd = (cc - 1) % h, xEnd = (cc - 1 - yEnd) / h;
                xs = Math.Min(xs, xStart);
                xe = Math.Max(xe, xEnd);
                if (xStart < xEnd)
                {
                    ys = 0;
                    ye = h - 1;
                }
                else
                {
                    ys = Math.Min(ys, yStart);
                    ye = Math.Max(ye, yEnd);
                }
            }
            return new RleBox((int)xs, (int)ys, (int)(xe - xs + 1), (int)(ye - ys + 1));
        }
    }

    /// <summary>Encodes a row-major mask (index y * width + x; any nonzero byte is set), as pycocotools <c>encode</c>.</summary>
    public static RleMask Encode(ReadOnlySpan<byte> rowMajorMask, int height, int width)
    {
        var area = CheckSize(height, width);
        if (rowMajorMask.Length != area)
            throw new CocoMaskException($"Mask has {rowMajorMask.Length} bytes but a {height}x{width} (height x width) mask needs {area}.");
        var counts = new List<uint>();
        var previous = false;
        uint run = 0;
        for (var x = 0; x < width; x++)
        {
            for (var y = 0; y < height; y++)
            {
                var set = rowMajorMask[y * width + x] != 0;
                if (set != previous)
                {
                    counts.Add(run);
                    run = 0;
                    previous = set;
                }
                run++;
            }
        }
        counts.Add(run);
        return new RleMask(height, width, [.. counts], validated: true);
    }

    /// <summary>Decodes to a row-major mask (index y * width + x) of 0 and 1 bytes.</summary>
    public byte[] Decode()
    {
        var mask = new byte[Height * Width];
        if (mask.Length == 0)
            return mask;
        long position = 0;
        var set = false;
        foreach (var count in _counts)
        {
            if (set)
            {
                var x = (int)(position / Height);
                var y = (int)(position - (long)x * Height);
                for (var k = 0u; k < count; k++)
                {
                    mask[y * Width + x] = 1;
                    if (++y == Height)
                    {
                        y = 0;
                        x++;
                    }
                }
            }
            position += count;
            set = !set;
        }
        return mask;
    }

    /// <summary>The compressed counts string (pycocotools <c>encode</c>'s <c>counts</c> bytes).</summary>
    public string ToCompressedString() => RleString.Encode(_counts);

    /// <summary>Reads a compressed counts string; throws <see cref="CocoMaskException"/> on any malformed, overflowing or negative count, or a wrong total.</summary>
    public static RleMask FromCompressedString(int height, int width, string counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new RleMask(height, width, RleString.Decode(counts));
    }

    /// <summary>
    /// The run lengths a compressed counts string holds, without checking their total against a size (so a caller
    /// can tell a malformed string from one whose counts do not sum to height x width).
    /// </summary>
    public static uint[] ParseCompressedCounts(string counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return RleString.Decode(counts);
    }

    /// <summary>Reads uncompressed counts as COCO json writes them for <c>iscrowd</c> annotations.</summary>
    public static RleMask FromUncompressedCounts(int height, int width, IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var values = new uint[counts.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var c = counts[i];
            if (c < 0 || c > uint.MaxValue)
                throw new CocoMaskException($"RLE count {i} is {c}; counts must be within 0..{uint.MaxValue}.");
            values[i] = (uint)c;
        }
        return new RleMask(height, width, values);
    }

    /// <summary>
    /// Rasterises polygons the way COCO does for a polygon segmentation (pycocotools <c>frPyObjects</c> then
    /// <c>merge</c>): each flat [x0, y0, x1, y1, ...] polygon through <c>rleFrPoly</c>, then their union.
    /// </summary>
    public static RleMask FromPolygons(IReadOnlyList<double[]> polygons, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        var area = CheckSize(height, width);
        if (area == 0)
            throw new CocoMaskException($"Cannot rasterise polygons on an empty {height}x{width} (height x width) image.");
        if (polygons.Count == 0)
            throw new CocoMaskException("A polygon segmentation needs at least one polygon; got none.");
        var masks = new RleMask[polygons.Count];
        for (var i = 0; i < masks.Length; i++)
        {
            var polygon = polygons[i] ?? throw new CocoMaskException($"Polygon {i} is null.");
            masks[i] = new RleMask(height, width, PolygonRasterizer.Rasterize(polygon, i, height, width), validated: true);
        }
        return Merge(masks, intersect: false);
    }

    /// <summary>The union (or with <paramref name="intersect"/> the intersection) of same-sized masks, as pycocotools <c>merge</c>.</summary>
    public static RleMask Merge(IReadOnlyList<RleMask> masks, bool intersect = false)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0)
            throw new CocoMaskException("Merge needs at least one mask; got none.");
        var first = masks[0];
        for (var i = 1; i < masks.Count; i++)
        {
            if (masks[i].Height != first.Height || masks[i].Width != first.Width)
                throw new CocoMaskException($"Merge needs masks of one size: mask 0 is {first.Height}x{first.Width} but mask {i} is {masks[i].Height}x{masks[i].Width} (height x width).");
        }
        if (masks.Count == 1)
            return first;

        var cnts = first._counts;
        for (var i = 1; i < masks.Count; i++)
            cnts = MergeTwo(cnts, masks[i]._counts, intersect);
        return new RleMask(first.Height, first.Width, cnts, validated: true);
    }

    /// <summary>
    /// pycocotools <c>iou</c>: the [detection, ground truth] matrix of intersection over union; for a ground
    /// truth marked crowd, intersection over the detection's area. 0 where the boxes do not overlap.
    /// </summary>
    public static double[,] Iou(IReadOnlyList<RleMask> detections, IReadOnlyList<RleMask> groundTruths, IReadOnlyList<bool>? isCrowd = null)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(groundTruths);
        if (isCrowd is not null && isCrowd.Count != groundTruths.Count)
            throw new CocoMaskException($"Iou needs one iscrowd flag per ground truth: {groundTruths.Count} ground truths but {isCrowd.Count} flags.");
        var m = detections.Count;
        var n = groundTruths.Count;
        var o = new double[m, n];
        var db = new RleBox[m];
        for (var d = 0; d < m; d++)
            db[d] = detections[d].Bbox;
        for (var g = 0; g < n; g++)
        {
            var gt = groundTruths[g];
            var gb = gt.Bbox;
            var crowd = isCrowd is not null && isCrowd[g];
            for (var d = 0; d < m; d++)
            {
                var dt = detections[d];
                if (dt.Height != gt.Height || dt.Width != gt.Width)
                    throw new CocoMaskException($"Iou compares masks of one size: detection {d} is {dt.Height}x{dt.Width} but ground truth {g} is {gt.Height}x{gt.Width} (height x width).");
                if (BoxIou(db[d], gb, crowd) > 0)
                    o[d, g] = MaskIou(dt._counts, gt._counts, crowd);
            }
        }
        return o;
    }

    /// <summary>The contract form: size and compressed counts string.</summary>
    public CocoRle ToContract() => new(Height, Width, ToCompressedString());

    /// <summary>Reads the contract form; throws <see cref="CocoMaskException"/> on a malformed string or wrong total.</summary>
    public static RleMask FromContract(CocoRle rle)
    {
        ArgumentNullException.ThrowIfNull(rle);
        return FromCompressedString(rle.Height, rle.Width, rle.Counts ?? throw new CocoMaskException("The RLE has no counts string."));
    }

    public bool Equals(RleMask? other) =>
        other is not null && Height == other.Height && Width == other.Width && _counts.AsSpan().SequenceEqual(other._counts);

    public override bool Equals(object? obj) => Equals(obj as RleMask);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Height);
        hash.Add(Width);
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_counts.AsSpan()));
        return hash.ToHashCode();
    }

    public override string ToString() => $"RleMask {Height}x{Width}, {_counts.Length} runs, area {Area}";

    // For counts this class produced itself, already known to sum to height x width.
    private RleMask(int height, int width, uint[] counts, bool validated)
    {
        _ = validated;
        Height = height;
        Width = width;
        _counts = counts;
    }

    private static long CheckSize(int height, int width)
    {
        if (height < 0 || width < 0)
            throw new CocoMaskException($"Mask size {height}x{width} (height x width) is negative.");
        var area = (long)height * width;
        if (area > Array.MaxLength)
            throw new CocoMaskException($"Mask size {height}x{width} (height x width) has {area} pixels, more than the {Array.MaxLength} a mask can hold.");
        return area;
    }

    // rleMerge for two masks of one size: walk both run lists together, emitting a run each time the result flips.
    private static uint[] MergeTwo(uint[] a, uint[] b, bool intersect)
    {
        var cnts = new List<uint>(a.Length + b.Length);
        uint ca = a[0], cb = b[0], cc = 0, ct = 1;
        bool v = false, va = false, vb = false;
        int ia = 1, ib = 1;
        while (ct > 0)
        {
            var c = Math.Min(ca, cb);
            cc += c;
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < a.Length)
            {
                ca = a[ia++];
                va = !va;
            }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }
            ct += cb;
            var vp = v;
            v = intersect ? va && vb : va || vb;
            if (v != vp || ct == 0)
            {
                cnts.Add(cc);
                cc = 0;
            }
        }
        return [.. cnts];
    }

    // bbIou for one pair, in doubles as pycocotools computes it.
    private static double BoxIou(RleBox d, RleBox g, bool crowd)
    {
        double da = (double)d.Width * d.Height, ga = (double)g.Width * g.Height;
        var w = Math.Min((double)d.Width + d.X, (double)g.Width + g.X) - Math.Max((double)d.X, g.X);
        if (w <= 0)
            return 0;
        var h = Math.Min((double)d.Height + d.Y, (double)g.Height + g.Y) - Math.Max((double)d.Y, g.Y);
        if (h <= 0)
            return 0;
        var i = w * h;
        var u = crowd ? da : da + ga - i;
        return i / u;
    }

    // rleIou for one pair: intersection and union counted along both run lists.
    private static double MaskIou(uint[] dt, uint[] gt, bool crowd)
    {
        uint ca = dt[0], cb = gt[0], ct = 1;
        long i = 0, u = 0;
        bool va = false, vb = false;
        int a = 1, b = 1;
        while (ct > 0)
        {
            var c = Math.Min(ca, cb);
            if (va || vb)
            {
                u += c;
                if (va && vb)
                    i += c;
            }
            ct = 0;
            ca -= c;
            if (ca == 0 && a < dt.Length)
            {
                ca = dt[a++];
                va = !va;
            }
            ct += ca;
            cb -= c;
            if (cb == 0 && b < gt.Length)
            {
                cb = gt[b++];
                vb = !vb;
            }
            ct += cb;
        }
        if (i == 0)
            u = 1;
        else if (crowd)
        {
            u = 0;
            for (var j = 1; j < dt.Length; j += 2)
                u += dt[j];
        }
        return (double)i / u;
    }
}
