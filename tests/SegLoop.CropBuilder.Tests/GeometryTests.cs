using SegLoop.CropBuilder.Geometry;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.CropBuilder.Tests;

public sealed class GeometryTests
{
    [Theory]
    [InlineData(10, 10, 5, 5, 0, 0, 0, 0)] // centred, odd box
    [InlineData(10, 10, 4, 4, 0, 0, 0, 0)] // even box, centre pixel left/up of the middle
    [InlineData(10, 10, 5, 5, 3, 1, 2, 7)] // uneven padding
    [InlineData(10, 10, 1, 1, 0, 0, 0, 0)] // one pixel
    [InlineData(10, 10, 6, 3, 1, 1, 1, 1)] // centre at the box's far corner
    [InlineData(10, 10, 0, 0, 1, 1, 1, 1)] // centre at the box's near corner
    [InlineData(10, 10, 2, 4, 2, 3, 5, 0)]
    public void Compute_OddAndEvenSizes_CentralPixelIsCentreAndBoxWithPaddingInside(int boxX, int boxY, int cx, int cy,
        int left, int top, int right, int bottom)
    {
        var box = new Rect(boxX, boxY, 7, 4);
        var centre = new Point(boxX + Math.Min(cx, 6), boxY + Math.Min(cy, 3));
        var w = CropWindow.Compute(box, centre, new Padding(left, top, right, bottom), 1000, 1000);

        // The central pixel, (w / 2, h / 2) with integer division, is the chosen pixel.
        Assert.Equal(centre.X, w.Window.X + (w.Window.Width / 2));
        Assert.Equal(centre.Y, w.Window.Y + (w.Window.Height / 2));
        // The padded box fits inside.
        Assert.True(w.Window.X <= box.X - left && w.Window.Right >= box.Right + right, $"{w.Window} misses x of {box} + padding");
        Assert.True(w.Window.Y <= box.Y - top && w.Window.Bottom >= box.Bottom + bottom, $"{w.Window} misses y of {box} + padding");
        // Smallest such window: shrinking by one on either side loses coverage or the centre.
        var before = centre.X - (box.X - left);
        var after = box.Right - 1 + right - centre.X;
        Assert.Equal(before > after ? 2 * before : (2 * after) + 1, w.Window.Width);
    }

    [Fact]
    public void Compute_KnownCases_ExactWindows()
    {
        // Odd: needs 2 before and 2 after the centre -> 5 wide, centre index 2.
        Assert.Equal(new Rect(8, 8, 5, 5), CropWindow.Compute(new Rect(8, 8, 5, 5), new Point(10, 10), new Padding(0, 0, 0, 0), 100, 100).Window);
        // Even: 2 before, 1 after -> 4 wide (indices 0..3, central 2).
        Assert.Equal(new Rect(8, 8, 4, 4), CropWindow.Compute(new Rect(8, 8, 4, 4), new Point(10, 10), new Padding(0, 0, 0, 0), 100, 100).Window);
        // 1 before, 2 after -> odd 5 wide starting 1 pixel further left than the box.
        Assert.Equal(new Rect(7, 7, 5, 5), CropWindow.Compute(new Rect(8, 8, 4, 4), new Point(9, 9), new Padding(0, 0, 0, 0), 100, 100).Window);
        // A single pixel is a 1x1 window.
        Assert.Equal(new Rect(3, 4, 1, 1), CropWindow.Compute(new Rect(3, 4, 1, 1), new Point(3, 4), new Padding(0, 0, 0, 0), 100, 100).Window);
    }

    [Fact]
    public void Compute_ObjectAtImageBorder_ValidRegionIsPartInsideImage()
    {
        // Box touching the top-left corner of a 50x40 image with 3 px padding all round.
        var w = CropWindow.Compute(new Rect(0, 0, 10, 6), new Point(4, 2), new Padding(3, 3, 3, 3), 50, 40);
        Assert.True(w.Window.X < 0 && w.Window.Y < 0);
        Assert.Equal(new Rect(-w.Window.X, -w.Window.Y, w.Window.Right, w.Window.Bottom), w.ValidRegion);
        Assert.True(w.IsPadded);

        // Bottom-right corner.
        var br = CropWindow.Compute(new Rect(44, 35, 6, 5), new Point(47, 37), new Padding(2, 2, 2, 2), 50, 40);
        Assert.Equal(new Rect(0, 0, 50 - br.Window.X, 40 - br.Window.Y), br.ValidRegion);
        Assert.True(br.Window.Right > 50 && br.Window.Bottom > 40);
    }

    [Fact]
    public void Draw_SameId_SameFractionsWithinRange()
    {
        for (var i = 0; i < 2000; i++)
        {
            var id = $"acme-proj-task{i}-{i * 7}";
            var a = CropPadding.Draw(id, 0.05, 0.25);
            Assert.Equal(a, CropPadding.Draw(id, 0.05, 0.25));
            foreach (var f in new[] { a.Left, a.Top, a.Right, a.Bottom })
                Assert.InRange(f, 0.05, 0.25 - 1e-12);
        }
    }

    [Fact]
    public void Draw_ManyIds_SpreadOverTheRange()
    {
        var lefts = Enumerable.Range(0, 4000).Select(i => CropPadding.Draw("id-" + i, 0.05, 0.25).Left).ToArray();
        // Uniform on [0.05, 0.25): each quarter holds about a quarter; the mean is about 0.15.
        for (var q = 0; q < 4; q++)
        {
            var lo = 0.05 + (q * 0.05);
            Assert.InRange(lefts.Count(v => v >= lo && v < lo + 0.05), 850, 1150);
        }
        Assert.InRange(lefts.Average(), 0.145, 0.155);
        // Sides are not copies of each other.
        Assert.NotEqual(CropPadding.Draw("x", 0, 1).Left, CropPadding.Draw("x", 0, 1).Right);
    }

    [Fact]
    public void Draw_FixedAlgorithm_KnownValue()
    {
        // SHA-256 + SplitMix64 are fixed: this value must never change, or every crop in storage would move.
        // Values computed independently in Python (hashlib + the SplitMix64 reference).
        Assert.Equal(0x657D4C8881D0869FUL, CropPadding.Seed("test"));
        Assert.Equal(new PaddingFractions(0.38027663086822094, 0.965024704784906, 0.35651001468988264, 0.2059215373681399),
            CropPadding.Draw("test", 0, 1));
    }

    [Fact]
    public void Find_ConcaveRing_CentreIsOnTheObject()
    {
        // A ring: the box centre is a hole, so the centre pixel must be the nearest ring pixel.
        const int N = 21;
        var mask = new byte[N * N];
        for (var y = 0; y < N; y++)
        {
            for (var x = 0; x < N; x++)
            {
                var d2 = ((x - 10) * (x - 10)) + ((y - 10) * (y - 10));
                mask[(y * N) + x] = d2 is >= 49 and <= 100 ? (byte)1 : (byte)0;
            }
        }
        var p = CentrePixel.Find(mask, N, N);
        Assert.Equal(1, mask[(p.Y * N) + p.X]);
        Assert.Equal(49, ((p.X - 10) * (p.X - 10)) + ((p.Y - 10) * (p.Y - 10)));
    }

    [Fact]
    public void Find_TwoPieces_PicksTheNearerPiece()
    {
        // Two blobs left and right, nothing in the middle; the right one is one column nearer the centre.
        const int W = 11, H = 3;
        var mask = new byte[W * H];
        mask[(1 * W) + 0] = 1;
        mask[(1 * W) + 1] = 1;
        mask[(1 * W) + 7] = 1;
        mask[(1 * W) + 10] = 1;
        Assert.Equal(new Point(7, 1), CentrePixel.Find(mask, W, H));
    }

    [Fact]
    public void Find_EmptyMask_Throws()
    {
        Assert.Throws<ArgumentException>(() => CentrePixel.Find(new byte[9], 3, 3));
    }

    [Fact]
    public void Decode_WindowsOverCocoMasks_EqualCropOfFullDecode()
    {
        var random = new Random(7); // test inputs only; nothing stored depends on it
        foreach (var document in CocoMini.Documents.Take(25))
        {
            foreach (var instance in document.Instances)
            {
                var rle = RleMask.FromContract(instance.Rle);
                var full = rle.Decode();
                var box = rle.Bbox;
                var windows = new List<Rect>
                {
                    new(box.X, box.Y, Math.Max(1, box.Width), Math.Max(1, box.Height)),
                    new(box.X - 7, box.Y - 5, box.Width + 20, box.Height + 9),
                    new(-3, -4, rle.Width + 9, rle.Height + 2),
                    new(random.Next(-20, rle.Width), random.Next(-20, rle.Height), random.Next(1, 80), random.Next(1, 80)),
                };
                foreach (var window in windows)
                {
                    var got = RleWindow.Decode(rle, window, 255);
                    for (var y = 0; y < window.Height; y++)
                    {
                        for (var x = 0; x < window.Width; x++)
                        {
                            int sx = window.X + x, sy = window.Y + y;
                            var expected = sx >= 0 && sy >= 0 && sx < rle.Width && sy < rle.Height && full[(sy * rle.Width) + sx] != 0 ? 255 : 0;
                            if (got[(y * window.Width) + x] != expected)
                                Assert.Fail($"{document.Provenance.TaskId}/{instance.Id} window {window}: pixel ({x},{y}) is {got[(y * window.Width) + x]}, expected {expected}");
                        }
                    }
                }
            }
        }
    }
    [Fact]
    public void Find_FromRuns_SameAsFromDecodedBoxOverCocoMini()
    {
        var compared = 0;
        foreach (var document in CocoMini.Documents)
        {
            foreach (var instance in document.Instances)
            {
                var rle = RleMask.FromContract(instance.Rle);
                var b = rle.Bbox;
                if (rle.Area == 0)
                    continue;
                var box = new Rect(b.X, b.Y, b.Width, b.Height);
                var fromBuffer = CentrePixel.Find(RleWindow.Decode(rle, box), box.Width, box.Height);
                Assert.Equal(new Point(box.X + fromBuffer.X, box.Y + fromBuffer.Y), CentrePixel.Find(rle, box));
                compared++;
            }
        }
        Assert.True(compared > 700);
    }

    [Fact]
    public void Find_FromRunsEvenBoxTie_UpperLeftAsRowMajor()
    {
        // A 2x2 box, all set: the centre (0.5, 0.5) is equally far from all four; row-major order picks (0, 0).
        var rle = RleMask.Encode([1, 1, 1, 1], 2, 2);
        Assert.Equal(new Point(0, 0), CentrePixel.Find(rle, new Rect(0, 0, 2, 2)));
        Assert.Equal(new Point(0, 0), CentrePixel.Find([1, 1, 1, 1], 2, 2));
    }
}
