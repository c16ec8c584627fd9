using OpenCvSharp;
using CvPoint = OpenCvSharp.Point;
using CvSize = OpenCvSharp.Size;

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
    public static Mask FillPolygons(int width, int height, IEnumerable<IReadOnlyList<Point>> polygons)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        if (width <= 0 || height <= 0)
            throw new VisionException(-1, "invalid argument: mask width and height must be positive");
        var rings = polygons.Select(ring => ring.Select(p => new CvPoint(p.X, p.Y)).ToArray()).ToArray();
        using var mat = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        OpenCvThreads.Ensure();
        if (rings.Length > 0)
            Cv2.FillPoly(mat, rings, Scalar.All(1), LineTypes.Link8);
        return Mask.FromMat(mat);
    }

    /// <summary>
    /// Traces the mask's regions (findContours, two-level hierarchy) and simplifies every ring with
    /// approxPolyDP when <paramref name="simplifyEpsilon"/> &gt; 0 (maximum distance in pixels).
    /// </summary>
    public static IReadOnlyList<MaskPolygon> FindPolygons(Mask mask, double simplifyEpsilon = 0)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(simplifyEpsilon);
        using var mat = mask.ToMat();
        Cv2.FindContours(mat, out var found, out var hierarchy, RetrievalModes.CComp, ContourApproximationModes.ApproxSimple);
        var result = new List<MaskPolygon>();
        for (var i = 0; i < found.Length; i++)
        {
            if (hierarchy[i].Parent >= 0)
                continue;
            var holes = new List<IReadOnlyList<Point>>();
            for (var k = 0; k < found.Length; k++)
            {
                if (hierarchy[k].Parent == i)
                    holes.Add(Ring(found[k], simplifyEpsilon));
            }
            result.Add(new MaskPolygon(Ring(found[i], simplifyEpsilon), holes));
        }
        return result;
    }

    /// <summary>Grows the mask by an elliptical (disk) kernel of the given radius.</summary>
    public static Mask Dilate(Mask mask, int radius) => Morph(mask, erode: false, radius);

    /// <summary>Shrinks the mask by an elliptical (disk) kernel; outside the image counts as foreground.</summary>
    public static Mask Erode(Mask mask, int radius) => Morph(mask, erode: true, radius);

    /// <summary>The one-pixel inner outline: mask XOR erode(mask, 3x3) as DAVIS computes it; the image edge closes the outline.</summary>
    public static Mask Boundary(Mask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        using var mat = mask.ToMat();
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new CvSize(3, 3));
        using var eroded = new Mat();
        // Outside the image counts as background, so an object touching the edge keeps its outline there.
        Cv2.Erode(mat, eroded, kernel, new CvPoint(-1, -1), 1, BorderTypes.Constant, Scalar.All(0));
        Cv2.BitwiseXor(mat, eroded, mat);
        return Mask.FromMat(mat);
    }

    /// <summary>Connected components (connectivity 4 or 8) with their bounding boxes and areas.</summary>
    public static unsafe ComponentLabels ConnectedComponents(Mask mask, int connectivity = 8)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (connectivity is not (4 or 8))
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "connectivity must be 4 or 8");
        using var mat = mask.ToMat();
        using var labelMat = new Mat();
        var count = Cv2.ConnectedComponents(mat, labelMat, (PixelConnectivity)connectivity, MatType.CV_32SC1);
        var width = mask.Width;
        var labels = new ReadOnlySpan<int>((void*)labelMat.Data, checked(mask.Width * mask.Height)).ToArray();
        // The stats in one plain pass: OpenCV's connectedComponentsWithStats takes 2.5 times as long as the labelling
        // alone on crop-sized masks (132 against 52 us on 13,000 pixels); this pass adds about 25.
        var left = new int[count];
        var top = new int[count];
        var right = new int[count];
        var bottom = new int[count];
        var area = new int[count];
        Array.Fill(left, int.MaxValue);
        Array.Fill(top, int.MaxValue);
        Array.Fill(right, -1);
        Array.Fill(bottom, -1);
        for (int y = 0, i = 0; y < mask.Height; y++)
        {
            for (var x = 0; x < width; x++, i++)
            {
                var l = labels[i];
                if (l == 0)
                    continue;
                left[l] = Math.Min(left[l], x);
                right[l] = Math.Max(right[l], x);
                top[l] = Math.Min(top[l], y);
                bottom[l] = Math.Max(bottom[l], y);
                area[l]++;
            }
        }
        var components = new Component[count - 1];
        for (var l = 1; l < count; l++)
            components[l - 1] = new Component(l, new Rect(left[l], top[l], right[l] - left[l] + 1, bottom[l] - top[l] + 1), area[l]);
        return new ComponentLabels(width, mask.Height, labels, components);
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
        using var mat = mask.ToMat();
        if (radius > 0)
        {
            using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new CvSize((2 * radius) + 1, (2 * radius) + 1));
            if (erode)
                Cv2.Erode(mat, mat, kernel);
            else
                Cv2.Dilate(mat, mat, kernel);
        }
        return Mask.FromMat(mat);
    }

    private static Point[] Ring(CvPoint[] contour, double epsilon) =>
        Array.ConvertAll(epsilon > 0 ? Cv2.ApproxPolyDP(contour, epsilon, closed: true) : contour, p => new Point(p.X, p.Y));
}
