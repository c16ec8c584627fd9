using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Vision.Tests.Coco;

public sealed class RleMaskTests
{
    // 4x4, row-major: the two left columns, and the two top rows.
    private static readonly byte[] LeftColumns = Rows("1100", "1100", "1100", "1100");
    private static readonly byte[] TopRows = Rows("1111", "1111", "0000", "0000");

    /// <summary>
    /// Expected strings and areas come from pycocotools' maskApi.c (rleFrPoly + rleMerge + rleToString)
    /// compiled unchanged and run on the same polygons.
    /// </summary>
    [Theory]
    [InlineData(12, 12, new[] { "0 0 10 0 0 10" }, 45, "093O1O1O1O1O1O1O1OU1")]
    [InlineData(10, 10, new[] { "1.5 1.5 7.2 1.5 7.2 6.8 1.5 6.8" }, 25, "f0550000000l0")]
    [InlineData(20, 15, new[] { "2 2 9 2 9 9 2 9", "5.3 5.1 14.9 12.2 3.3 18.7" }, 111, "Z17=0LJJ6O0290O1O106I2O1N101N:")]
    [InlineData(7, 9, new[] { "-2 -2 12.4 3.3 4.5 9.9 6 2 0.4 5.5" }, 40, "05200O100O2NN1N41O00")]
    public void FromPolygons_KnownPolygons_MatchPycocotools(int h, int w, string[] polygons, long area, string expected)
    {
        var parsed = polygons.Select(p => p.Split(' ').Select(double.Parse).ToArray()).ToList();

        var rle = RleMask.FromPolygons(parsed, h, w);

        Assert.Equal(expected, rle.ToCompressedString());
        Assert.Equal(area, rle.Area);
    }

    [Fact]
    public void FromPolygons_AxisAlignedRectangle_CoversThePixelsWhoseCentresAreInside()
    {
        // COCO pixel (x, y) spans [x, x+1] x [y, y+1]; it is set when its centre (x+.5, y+.5) is inside.
        // Centres 2.5..6.5 lie in [1.5, 7.2] x [1.5, 6.8]; pixel 1 (centre 1.5, on the edge) and 7 (7.5) do not.
        var rle = RleMask.FromPolygons([[1.5, 1.5, 7.2, 1.5, 7.2, 6.8, 1.5, 6.8]], 10, 10);

        Assert.Equal(new RleBox(2, 2, 5, 5), rle.Bbox);
        Assert.Equal(25, rle.Area);
    }

    [Fact]
    public void Iou_HandComputedPairs_GiveIntersectionOverUnion()
    {
        var left = RleMask.Encode(LeftColumns, 4, 4);
        var top = RleMask.Encode(TopRows, 4, 4);
        var empty = RleMask.Encode(new byte[16], 4, 4);
        var bottomRight = RleMask.Encode(Rows("0000", "0000", "0011", "0011"), 4, 4);
        var topLeft = RleMask.Encode(Rows("1100", "1100", "0000", "0000"), 4, 4);

        var iou = RleMask.Iou([left, top, empty, topLeft], [top, left, bottomRight]);

        Assert.Equal(4, iou.GetLength(0));
        Assert.Equal(3, iou.GetLength(1));
        Assert.Equal(4.0 / 12.0, iou[0, 0]); // left vs top: 4 shared of 12
        Assert.Equal(1.0, iou[0, 1]);
        Assert.Equal(0.0, iou[0, 2]);
        Assert.Equal(1.0, iou[1, 0]);
        Assert.Equal(0.0, iou[2, 0]); // empty detection
        Assert.Equal(4.0 / 8.0, iou[3, 0]); // topLeft (4) inside top (8)
        Assert.Equal(0.0, iou[3, 2]); // disjoint
    }

    [Fact]
    public void Iou_CrowdGroundTruth_DividesByTheDetectionArea()
    {
        var left = RleMask.Encode(LeftColumns, 4, 4);
        var top = RleMask.Encode(TopRows, 4, 4);
        var topLeft = RleMask.Encode(Rows("1100", "1100", "0000", "0000"), 4, 4);

        var iou = RleMask.Iou([left, topLeft], [top, top], [true, false]);

        Assert.Equal(4.0 / 8.0, iou[0, 0]);   // crowd: 4 shared / 8 detected
        Assert.Equal(4.0 / 12.0, iou[0, 1]);  // not crowd: 4 / 12
        Assert.Equal(1.0, iou[1, 0]);         // detection wholly inside a crowd region
        Assert.Equal(4.0 / 8.0, iou[1, 1]);
    }

    [Fact]
    public void Merge_UnionAndIntersection_MatchPixelOrAndAnd()
    {
        var left = RleMask.Encode(LeftColumns, 4, 4);
        var top = RleMask.Encode(TopRows, 4, 4);

        var union = RleMask.Merge([left, top]);
        var intersection = RleMask.Merge([left, top], intersect: true);

        Assert.Equal(12, union.Area);
        Assert.Equal(4, intersection.Area);
        Assert.Equal(Rows("1111", "1111", "1100", "1100"), union.Decode());
        Assert.Equal(Rows("1100", "1100", "0000", "0000"), intersection.Decode());
    }

    [Fact]
    public void Contract_RoundTrip_KeepsSizeAndCounts()
    {
        var rle = RleMask.Encode(LeftColumns, 4, 4);

        var contract = rle.ToContract();
        var back = RleMask.FromContract(contract);

        Assert.Equal(new CocoRle(4, 4, rle.ToCompressedString()), contract);
        Assert.Equal(rle, back);
    }

    [Fact]
    public void Encode_FirstPixelSet_StartsWithAZeroRun()
    {
        var rle = RleMask.Encode(Rows("10", "00"), 2, 2);

        Assert.Equal([0u, 1u, 3u], rle.Counts.ToArray());
        Assert.Equal(new RleBox(0, 0, 1, 1), rle.Bbox);
    }

    [Fact]
    public void Encode_EmptySize_GivesOneEmptyRun()
    {
        var rle = RleMask.Encode([], 0, 5);

        Assert.Equal([0u], rle.Counts.ToArray());
        Assert.Equal(0, rle.Area);
        Assert.Equal(default, rle.Bbox);
        Assert.Empty(rle.Decode());
    }

    internal static byte[] Rows(params string[] rows) => [.. rows.SelectMany(r => r.Select(ch => (byte)(ch - '0')))];
}
