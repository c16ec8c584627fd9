using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Vision.Tests.Coco;

/// <summary>Bad input gives a <see cref="CocoMaskException"/> whose message names the problem, never a crash.</summary>
public sealed class BadInputTests
{
    [Fact]
    public void Constructor_CountsNotSummingToArea_NamesExpectedAndActual()
    {
        var e = Assert.Throws<CocoMaskException>(() => new RleMask(4, 4, [5, 2, 2]));
        Assert.Contains("sum to 9", e.Message);
        Assert.Contains("16 pixels", e.Message);
    }

    [Fact]
    public void FromUncompressedCounts_NegativeCount_Throws()
    {
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromUncompressedCounts(2, 2, [5, -1]));
        Assert.Contains("-1", e.Message);
    }

    [Fact]
    public void FromUncompressedCounts_CountBeyond32Bits_Throws()
    {
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromUncompressedCounts(2, 2, [4L + uint.MaxValue + 1]));
        Assert.Contains("4294967300", e.Message);
    }

    [Fact]
    public void FromUncompressedCounts_HugeCountsThatWrapAUint_StillRefused()
    {
        // 2^32 - 12 + 16 wraps to 4 in 32-bit arithmetic; the long sum sees the truth.
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromUncompressedCounts(2, 2, [uint.MaxValue - 11, 16]));
        Assert.Contains("sum to 4294967300", e.Message);
    }

    [Theory]
    [InlineData("52203!", "character '!'")]        // outside '0'..'o'
    [InlineData("5220p", "character 'p'")]
    [InlineData("522X", "ends inside a count")]     // 'X' (40) says more chunks follow
    [InlineData("oooooooo0", "overflows")]          // eight chunks: more than 32 bits
    [InlineData("@", "negative")]                    // '@' (16): a single chunk with the sign bit
    [InlineData("5220", "sum to 11")]                // well-formed (5, 2, 2, 2) but short of 16 pixels
    public void FromCompressedString_Malformed_NamesTheProblem(string text, string expectedInMessage)
    {
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromCompressedString(4, 4, text));
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Fact]
    public void FromCompressedString_DeltaDrivingACountNegative_Throws()
    {
        // counts 5, 2, 2 then a delta of -3 against counts[1] = 2 gives -1.
        var text = RleString(5, 2, 2) + "M"; // 'M' = 48 + 29: chunk 0b11101 = -3 with the sign bit
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromCompressedString(4, 4, text));
        Assert.Contains("negative value -1", e.Message);
    }

    [Fact]
    public void FromContract_BadString_Throws()
    {
        Assert.Throws<CocoMaskException>(() => RleMask.FromContract(new CocoRle(4, 4, "zz")));
    }

    [Theory]
    [InlineData(double.NaN, "non-finite")]
    [InlineData(double.PositiveInfinity, "non-finite")]
    [InlineData(double.NegativeInfinity, "non-finite")]
    [InlineData(1e12, "beyond")]
    public void FromPolygons_UnusableCoordinate_NamesIt(double bad, string expectedInMessage)
    {
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromPolygons([[0, 0, 5, 0, bad, 5]], 8, 8));
        Assert.Contains(expectedInMessage, e.Message);
        Assert.Contains("index 4", e.Message);
    }

    [Theory]
    [InlineData(new double[] { 1, 1, 5, 5 }, "2 point(s)")]
    [InlineData(new double[] { }, "0 point(s)")]
    [InlineData(new double[] { 1, 1, 5, 5, 3 }, "5 coordinates")]
    public void FromPolygons_TooFewOrOddCoordinates_Throws(double[] polygon, string expectedInMessage)
    {
        var e = Assert.Throws<CocoMaskException>(() => RleMask.FromPolygons([[0, 0, 5, 0, 5, 5], polygon], 8, 8));
        Assert.Contains("Polygon 1", e.Message);
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Fact]
    public void FromPolygons_NoPolygonsOrEmptyImage_Throws()
    {
        Assert.Throws<CocoMaskException>(() => RleMask.FromPolygons([], 8, 8));
        Assert.Throws<CocoMaskException>(() => RleMask.FromPolygons([[0, 0, 5, 0, 5, 5]], 0, 8));
    }

    [Fact]
    public void Encode_WrongLengthOrNegativeSize_Throws()
    {
        Assert.Contains("needs 16", Assert.Throws<CocoMaskException>(() => RleMask.Encode(new byte[15], 4, 4)).Message);
        Assert.Contains("negative", Assert.Throws<CocoMaskException>(() => RleMask.Encode([], -1, 4)).Message);
        Assert.Contains("more than", Assert.Throws<CocoMaskException>(() => new RleMask(int.MaxValue, int.MaxValue, [0])).Message);
    }

    [Fact]
    public void MergeAndIou_MixedSizes_Throw()
    {
        var small = RleMask.Encode(new byte[4], 2, 2);
        var large = RleMask.Encode(new byte[9], 3, 3);

        Assert.Contains("one size", Assert.Throws<CocoMaskException>(() => RleMask.Merge([small, large])).Message);
        Assert.Contains("one size", Assert.Throws<CocoMaskException>(() => RleMask.Iou([small], [large])).Message);
        Assert.Contains("iscrowd", Assert.Throws<CocoMaskException>(() => RleMask.Iou([small], [small], [true, false])).Message);
        Assert.Throws<CocoMaskException>(() => RleMask.Merge([]));
    }

    private static string RleString(params uint[] counts) => new RleMask(1, (int)counts.Sum(c => c), counts).ToCompressedString();
}
