namespace SegLoop.Vision.Tests;

public sealed class SuperpixelsTests
{
    /// <summary>Noise (seeded) over four flat quadrants with different grey levels.</summary>
    private static Image Quadrants(int width, int height)
    {
        var random = new Random(7);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var level = (x < width / 2 ? 40 : 160) + (y < height / 2 ? 0 : 60);
                pixels.AsSpan(((y * width) + x) * 3, 3).Fill((byte)Math.Clamp(level + random.Next(-10, 11), 0, 255));
            }
        }
        return Image.FromPixels(width, height, 3, pixels);
    }

    [Fact]
    public void Watershed_HundredRequested_AboutHundredRegionsCoveringEveryPixel()
    {
        using var image = Quadrants(160, 120);

        var superpixels = Superpixels.Watershed(image, 100);

        Assert.InRange(superpixels.Count, 60, 130);
        Assert.All(superpixels.Labels.ToArray(), l => Assert.InRange(l, 0, superpixels.Count - 1));
        Assert.Equal(160 * 120, superpixels.Areas().Sum());
        Assert.All(superpixels.Areas(), a => Assert.True(a >= 4, $"a region of {a} pixels is a sliver"));
    }

    [Fact]
    public void Watershed_SameImage_SameLabels()
    {
        using var image = Quadrants(64, 48);
        Assert.Equal(Superpixels.Watershed(image, 30).Labels.ToArray(), Superpixels.Watershed(image, 30).Labels.ToArray());
    }

    [Fact]
    public void Watershed_RegionsFollowTheQuadrantEdges()
    {
        // The quadrants' edges are the strongest gradient: few regions straddle the vertical edge at x = 80.
        using var image = Quadrants(160, 120);
        var superpixels = Superpixels.Watershed(image, 100);
        var labels = superpixels.Labels.Span;
        var straddling = 0;
        for (var l = 0; l < superpixels.Count; l++)
        {
            int left = 0, right = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] != l)
                    continue;
                if (i % 160 < 80) left++; else right++;
            }
            if (Math.Min(left, right) > 0.2 * (left + right))
                straddling++;
        }
        Assert.True(straddling <= superpixels.Count / 10, $"{straddling} of {superpixels.Count} regions straddle the edge");
    }

    [Fact]
    public void Means_SkipNaN_HandComputed()
    {
        using var image = Image.FromPixels(2, 1, 1, new byte[] { 0, 255 });
        var superpixels = Superpixels.Watershed(image, 1);

        Assert.Equal(1, superpixels.Count);
        Assert.Equal([0.25], superpixels.Means([0.25f, float.NaN]));
    }

    [Fact]
    public void Outlines_RectangleRegion_InsideTheImage()
    {
        using var image = Quadrants(64, 48);
        var superpixels = Superpixels.Watershed(image, 12);

        var outlines = superpixels.Outlines();

        Assert.Equal(superpixels.Count, outlines.Count);
        Assert.All(outlines, ring =>
        {
            Assert.True(ring.Count >= 3);
            Assert.All(ring, p => Assert.True(p.X is >= 0 and < 64 && p.Y is >= 0 and < 48));
        });
    }
}
