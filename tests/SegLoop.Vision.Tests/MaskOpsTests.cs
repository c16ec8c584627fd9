namespace SegLoop.Vision.Tests;

public sealed class MaskOpsTests
{
    private static IReadOnlyList<Point> Square(int x0, int y0, int x1, int y1) => [new(x0, y0), new(x1, y0), new(x1, y1), new(x0, y1)];

    private static Mask FilledRect(int width, int height, params Rect[] rects)
    {
        var data = new byte[width * height];
        foreach (var r in rects)
        {
            for (var y = r.Y; y < r.Bottom; y++)
            {
                for (var x = r.X; x < r.Right; x++)
                    data[(y * width) + x] = 1;
            }
        }
        return Mask.FromBytes(width, height, data);
    }

    [Fact]
    public void FillPolygons_Square_CoversItsPixelsInclusive()
    {
        var mask = MaskOps.FillPolygons(20, 20, [Square(2, 3, 11, 8)]);

        Assert.Equal(10 * 6, mask.Area);
        Assert.True(mask[2, 3]);
        Assert.True(mask[11, 8]);
        Assert.False(mask[12, 8]);
    }

    [Fact]
    public void FillThenFindPolygons_SquareWithHole_KeepsTheHole()
    {
        var mask = MaskOps.FillPolygons(50, 50, [Square(10, 10, 40, 40), Square(20, 20, 30, 30)]);
        Assert.False(mask[25, 25]);
        Assert.True(mask[15, 15]);

        var polygons = MaskOps.FindPolygons(mask);

        var region = Assert.Single(polygons);
        var hole = Assert.Single(region.Holes);
        Assert.All(region.Outer, p => Assert.True(p.X is 10 or 40 || p.Y is 10 or 40));
        Assert.All(hole, p => Assert.InRange(p.X, 19, 31));
        var refilled = MaskOps.FillPolygons(50, 50, [region.Outer, .. region.Holes]);
        Assert.False(refilled[25, 25]);
        Assert.InRange(refilled.IntersectionOverUnion(mask), 0.9, 1.0);
    }

    [Fact]
    public void FindPolygons_WithEpsilon_SimplifiesADisk()
    {
        var disk = Disk(100, 100, 50, 50, 30);

        var exact = Assert.Single(MaskOps.FindPolygons(disk));
        var simple = Assert.Single(MaskOps.FindPolygons(disk, simplifyEpsilon: 2.0));

        Assert.True(simple.Outer.Count < exact.Outer.Count / 2, $"{simple.Outer.Count} vs {exact.Outer.Count} points");
        Assert.InRange(MaskOps.FillPolygons(100, 100, [simple.Outer]).IntersectionOverUnion(disk), 0.95, 1.0);
    }

    [Fact]
    public void FindPolygons_EmptyMask_ReturnsNone()
    {
        Assert.Empty(MaskOps.FindPolygons(new Mask(10, 10)));
    }

    [Fact]
    public void Boundary_FilledSquare_IsItsOnePixelRing()
    {
        var square = FilledRect(20, 20, new Rect(5, 5, 10, 10));

        var ring = MaskOps.Boundary(square);

        Assert.Equal((10 * 10) - (8 * 8), ring.Area);
        for (var y = 0; y < 20; y++)
        {
            for (var x = 0; x < 20; x++)
            {
                var onEdge = square[x, y] && (x is 5 or 14 || y is 5 or 14);
                Assert.Equal(onEdge, ring[x, y]);
            }
        }
    }

    [Fact]
    public void Boundary_SquareTouchingImageEdge_IncludesTheEdge()
    {
        var square = FilledRect(10, 10, new Rect(0, 0, 4, 4));

        Assert.Equal(16 - 4, MaskOps.Boundary(square).Area);
    }

    [Fact]
    public void ErodeAndDilate_SquareRadiusOne_UseTheEllipticalCross()
    {
        var square = FilledRect(20, 20, new Rect(5, 5, 10, 10));

        Assert.Equal(8 * 8, MaskOps.Erode(square, 1).Area);
        Assert.Equal((12 * 12) - 4, MaskOps.Dilate(square, 1).Area);
        Assert.Equal(square.Area, MaskOps.Dilate(square, 0).Area);
    }

    [Fact]
    public void ConnectedComponents_DiagonalNeighbours_JoinOnlyWith8Connectivity()
    {
        // Three blobs; the last two touch only at a corner.
        var mask = FilledRect(30, 30, new Rect(1, 1, 5, 5), new Rect(10, 10, 4, 4), new Rect(14, 14, 3, 2));

        var eight = MaskOps.ConnectedComponents(mask, connectivity: 8);
        var four = MaskOps.ConnectedComponents(mask, connectivity: 4);

        Assert.Equal(2, eight.Components.Count);
        Assert.Equal(3, four.Components.Count);
        Assert.Equal(new[] { 6, 16, 25 }, four.Components.Select(c => c.Area).Order());
        Assert.Contains(four.Components, c => c.Bounds == new Rect(1, 1, 5, 5) && c.Area == 25);
        Assert.Equal(0, four.Labels.Span[0]);
    }

    [Theory]
    [InlineData(4, 0.3)]
    [InlineData(8, 0.5)]
    [InlineData(8, 0.8)]
    public void ConnectedComponents_RandomMasks_StatsDescribeTheLabelledPixels(int connectivity, double density)
    {
        foreach (var (width, height, data) in RandomMasks(seed: connectivity + (int)(density * 100), density))
        {
            var result = MaskOps.ConnectedComponents(Mask.FromBytes(width, height, data), connectivity);

            var labels = result.Labels.ToArray();
            Assert.Equal(data.Select(v => v != 0), labels.Select(l => l != 0));
            Assert.Equal(Enumerable.Range(1, result.Components.Count), result.Components.Select(c => c.Label));
            foreach (var component in result.Components)
            {
                var pixels = Enumerable.Range(0, labels.Length).Where(i => labels[i] == component.Label).ToList();
                var xs = pixels.Select(i => i % width).ToList();
                var ys = pixels.Select(i => i / width).ToList();
                Assert.Equal(pixels.Count, component.Area);
                Assert.Equal(new Rect(xs.Min(), ys.Min(), xs.Max() - xs.Min() + 1, ys.Max() - ys.Min() + 1), component.Bounds);
            }
        }
    }

    [Fact]
    public void LargestComponent_TwoBlobs_KeepsTheBigger()
    {
        var mask = FilledRect(30, 30, new Rect(1, 1, 3, 3), new Rect(10, 10, 6, 6));

        var largest = MaskOps.LargestComponent(mask);

        Assert.Equal(36, largest.Area);
        Assert.True(largest[12, 12]);
        Assert.False(largest[2, 2]);
    }

    [Fact]
    public void ComponentAt_PointInSmallBlob_ReturnsThatBlob()
    {
        var mask = FilledRect(30, 30, new Rect(1, 1, 3, 3), new Rect(10, 10, 6, 6));

        Assert.Equal(9, MaskOps.ComponentAt(mask, 2, 2).Area);
        Assert.Equal(0, MaskOps.ComponentAt(mask, 25, 25).Area);
    }

    [Fact]
    public void FillHoles_RingAndEdgeNotch_FillsOnlyTheEnclosedHole()
    {
        var ring = MaskOps.FillPolygons(50, 50, [Square(10, 10, 40, 40), Square(20, 20, 30, 30)]);
        var withNotch = FilledRect(50, 50, new Rect(0, 0, 5, 50), new Rect(0, 0, 50, 5)); // an L on the edge: no hole

        Assert.Equal(31 * 31, MaskOps.FillHoles(ring).Area);
        Assert.Equal(withNotch.Area, MaskOps.FillHoles(withNotch).Area);
    }

    [Fact]
    public void FillHoles_BackgroundTouchingOnlyDiagonally_IsAHole()
    {
        // A 3 x 3 ring with its corner pixel missing: the centre meets the outside only at a corner, which
        // 4-connectivity does not count, so the centre is a hole; the missing corner touches the edge and stays empty.
        var mask = Mask.FromBytes(3, 3, [0, 1, 1, 1, 0, 1, 1, 1, 1]);
        Assert.Equal(new byte[] { 0, 1, 1, 1, 1, 1, 1, 1, 1 }, MaskOps.FillHoles(mask).Data.ToArray());
    }

    [Theory]
    [InlineData(1, 0.45)]
    [InlineData(2, 0.55)]
    [InlineData(3, 0.65)]
    public void FillHoles_RandomMasks_EqualsBackgroundComponentsAwayFromTheEdge(int seed, double density)
    {
        // The definition, computed another way: label the background's 4-connected components; those whose bounds
        // stay off every edge are holes.
        foreach (var (width, height, data) in RandomMasks(seed, density))
        {
            var mask = Mask.FromBytes(width, height, data);
            var background = MaskOps.ConnectedComponents(Mask.FromBytes(width, height, data.Select(v => (byte)(v ^ 1)).ToArray()), connectivity: 4);
            var holes = background.Components.Where(c => c.Bounds.X > 0 && c.Bounds.Y > 0 && c.Bounds.Right < width && c.Bounds.Bottom < height)
                .Select(c => c.Label).ToHashSet();
            var labels = background.Labels.ToArray();
            var expected = data.Select((v, i) => v == 1 || holes.Contains(labels[i]) ? (byte)1 : (byte)0).ToArray();

            Assert.Equal(expected, MaskOps.FillHoles(mask).Data.ToArray());
        }
    }

    [Fact]
    public void Mask_ToImageAndBack_RoundTrips()
    {
        var mask = FilledRect(7, 5, new Rect(1, 1, 3, 2));
        using var image = mask.ToImage();

        Assert.Equal(255, image.Pixels[(1 * 7) + 1]);
        Assert.Equal(mask.Data.ToArray(), Mask.FromImage(image).Data.ToArray());
    }

    /// <summary>Twenty masks of 1-59 x 1-59 pixels, each pixel set with probability <paramref name="density"/>.</summary>
    private static IEnumerable<(int Width, int Height, byte[] Data)> RandomMasks(int seed, double density)
    {
        var random = new Random(seed);
        for (var round = 0; round < 20; round++)
        {
            var width = random.Next(1, 60);
            var height = random.Next(1, 60);
            var data = new byte[width * height];
            for (var i = 0; i < data.Length; i++)
                data[i] = random.NextDouble() < density ? (byte)1 : (byte)0;
            yield return (width, height, data);
        }
    }

    internal static Mask Disk(int width, int height, int cx, int cy, int radius)
    {
        var data = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
                data[(y * width) + x] = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius ? (byte)1 : (byte)0;
        }
        return Mask.FromBytes(width, height, data);
    }
}
