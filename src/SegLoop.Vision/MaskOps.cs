namespace SegLoop.Vision;

/// <summary>One outer ring of a mask region and the rings of its holes, in pixel coordinates.</summary>
public sealed record MaskPolygon(IReadOnlyList<Point> Outer, IReadOnlyList<IReadOnlyList<Point>> Holes);

/// <summary>One connected component: its label in <see cref="ComponentLabels.Labels"/>, bounding box and pixel count.</summary>
public sealed record Component(int Label, Rect Bounds, int Area);

/// <summary>Connected components of a mask: a label per pixel (0 = background) and each component's statistics.</summary>
public sealed class ComponentLabels
{
    internal ComponentLabels(int width, int height, int[] labels, IReadOnlyList<Component> components)
    {
        Width = width;
        Height = height;
        Labels = labels;
        Components = components;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Row-major labels; 0 is background, components are 1..Components.Count.</summary>
    public ReadOnlyMemory<int> Labels { get; }

    /// <summary>The foreground components, ordered by label (background excluded).</summary>
    public IReadOnlyList<Component> Components { get; }

    /// <summary>The pixels of one component as a mask.</summary>
    public Mask MaskOf(int label)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(label);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(label, Components.Count);
        var labels = Labels.Span;
        var data = new byte[labels.Length];
        for (var i = 0; i < data.Length; i++)
            data[i] = labels[i] == label ? (byte)1 : (byte)0;
        return Mask.Wrap(Width, Height, data);
    }
}

/// <summary>Mask operations through OpenCV: rasterise and trace polygons, morphology, boundaries, components.</summary>
public static class MaskOps
{
    /// <summary>
    /// Rasterises polygons with OpenCV's fillPoly (8-connected edges, even-odd overlap: a ring inside another is a hole).
    /// For COCO-exact rasterisation use SegLoop.Vision.Coco instead.
    /// </summary>
    public static unsafe Mask FillPolygons(int width, int height, IEnumerable<IReadOnlyList<Point>> polygons)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        var rings = polygons.ToList();
        var counts = new int[rings.Count];
        var xy = new int[checked(2 * rings.Sum(r => r.Count))];
        var at = 0;
        for (var i = 0; i < rings.Count; i++)
        {
            counts[i] = rings[i].Count;
            foreach (var p in rings[i])
            {
                xy[at++] = p.X;
                xy[at++] = p.Y;
            }
        }
        MatHandle mat;
        fixed (int* pxy = xy)
        fixed (int* pcounts = counts)
            NativeStatus.Check(NativeMethods.sl_fill_polygons(height, width, pxy, pcounts, rings.Count, 1, out mat));
        return Mask.FromNative(mat);
    }

    /// <summary>
    /// Traces the mask's regions (findContours, two-level hierarchy) and simplifies every ring with
    /// approxPolyDP when <paramref name="simplifyEpsilon"/> &gt; 0 (maximum distance in pixels).
    /// </summary>
    public static unsafe IReadOnlyList<MaskPolygon> FindPolygons(Mask mask, double simplifyEpsilon = 0)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(simplifyEpsilon);
        using var native = mask.ToNative();
        NativeStatus.Check(NativeMethods.sl_find_polygons(native, simplifyEpsilon, out var handle));
        using (handle)
        {
            NativeStatus.Check(NativeMethods.sl_contours_count(handle, out var count));
            var rings = new Point[count][];
            var parents = new int[count];
            for (var i = 0; i < count; i++)
            {
                NativeStatus.Check(NativeMethods.sl_contours_get(handle, i, out var xy, out var points, out parents[i]));
                var ring = new Point[points];
                for (var k = 0; k < points; k++)
                    ring[k] = new Point(xy[2 * k], xy[(2 * k) + 1]);
                rings[i] = ring;
            }
            var result = new List<MaskPolygon>();
            for (var i = 0; i < count; i++)
            {
                if (parents[i] >= 0)
                    continue;
                var holes = new List<IReadOnlyList<Point>>();
                for (var k = 0; k < count; k++)
                {
                    if (parents[k] == i)
                        holes.Add(rings[k]);
                }
                result.Add(new MaskPolygon(rings[i], holes));
            }
            return result;
        }
    }

    /// <summary>Grows the mask by an elliptical (disk) kernel of the given radius.</summary>
    public static Mask Dilate(Mask mask, int radius) => Morph(mask, erode: false, radius);

    /// <summary>Shrinks the mask by an elliptical (disk) kernel; outside the image counts as foreground.</summary>
    public static Mask Erode(Mask mask, int radius) => Morph(mask, erode: true, radius);

    /// <summary>The one-pixel inner outline: mask XOR erode(mask, 3x3) as DAVIS computes it; the image edge closes the outline.</summary>
    public static Mask Boundary(Mask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        using var native = mask.ToNative();
        NativeStatus.Check(NativeMethods.sl_boundary(native, out var result));
        return Mask.FromNative(result);
    }

    /// <summary>Connected components (connectivity 4 or 8) with their bounding boxes and areas.</summary>
    public static unsafe ComponentLabels ConnectedComponents(Mask mask, int connectivity = 8)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (connectivity is not (4 or 8))
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "connectivity must be 4 or 8");
        using var native = mask.ToNative();
        NativeStatus.Check(NativeMethods.sl_connected_components(native, connectivity, out var labelsHandle, out var statsHandle, out var count));
        using (labelsHandle)
        using (statsHandle)
        {
            NativeStatus.Check(NativeMethods.sl_mat_info(labelsHandle, out var rows, out var cols, out _, out _, out var labelData, out var labelStep));
            NativeStatus.Check(NativeMethods.sl_mat_info(statsHandle, out _, out _, out _, out _, out var statsData, out var statsStep));
            var labels = new int[rows * cols];
            for (var y = 0; y < rows; y++)
                new ReadOnlySpan<int>(labelData + ((nuint)y * labelStep), cols).CopyTo(labels.AsSpan(y * cols, cols));
            var components = new Component[count - 1];
            for (var label = 1; label < count; label++)
            {
                var s = (int*)(statsData + ((nuint)label * statsStep)); // left, top, width, height, area
                components[label - 1] = new Component(label, new Rect(s[0], s[1], s[2], s[3]), s[4]);
            }
            return new ComponentLabels(cols, rows, labels, components);
        }
    }

    /// <summary>The largest 8-connected component; an empty mask when there is none.</summary>
    public static Mask LargestComponent(Mask mask)
    {
        var labels = ConnectedComponents(mask);
        return labels.Components.Count == 0
            ? new Mask(mask.Width, mask.Height)
            : labels.MaskOf(labels.Components.MaxBy(c => c.Area)!.Label);
    }

    /// <summary>The 8-connected component that contains (x, y); an empty mask when that pixel is background.</summary>
    public static Mask ComponentAt(Mask mask, int x, int y)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if ((uint)x >= (uint)mask.Width || (uint)y >= (uint)mask.Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the {mask.Width} x {mask.Height} mask");
        if (!mask[x, y])
            return new Mask(mask.Width, mask.Height);
        var labels = ConnectedComponents(mask);
        return labels.MaskOf(labels.Labels.Span[(y * mask.Width) + x]);
    }

    /// <summary>Sets every background region that does not reach the image edge (4-connected) to foreground.</summary>
    public static Mask FillHoles(Mask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        // One flood from the edge over the background: 0 = background not reached (so far), 1 = foreground,
        // 2 = background reached from the edge. Each pixel enters the stack at most once.
        const byte Outside = 2;
        var width = mask.Width;
        var height = mask.Height;
        var state = mask.ToArray();
        var stack = System.Buffers.ArrayPool<int>.Shared.Rent(state.Length);
        var top = 0;
        void Reach(int i)
        {
            if (state[i] == 0)
            {
                state[i] = Outside;
                stack[top++] = i;
            }
        }
        try
        {
            for (var x = 0; x < width; x++)
            {
                Reach(x);
                Reach(((height - 1) * width) + x);
            }
            for (var y = 0; y < height; y++)
            {
                Reach(y * width);
                Reach((y * width) + width - 1);
            }
            var lastRow = (height - 1) * width;
            while (top > 0)
            {
                var i = stack[--top];
                var x = i % width;
                if (x > 0)
                    Reach(i - 1);
                if (x < width - 1)
                    Reach(i + 1);
                if (i >= width)
                    Reach(i - width);
                if (i < lastRow)
                    Reach(i + width);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(stack);
        }
        for (var i = 0; i < state.Length; i++)
            state[i] = state[i] == Outside ? (byte)0 : (byte)1;
        return Mask.Wrap(width, height, state);
    }

    private static Mask Morph(Mask mask, bool erode, int radius)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        using var native = mask.ToNative();
        NativeStatus.Check(NativeMethods.sl_morph(native, erode ? 1 : 0, radius, out var result));
        return Mask.FromNative(result);
    }
}
