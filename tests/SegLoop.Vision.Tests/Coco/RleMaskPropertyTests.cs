using FsCheck;
using FsCheck.Fluent;
using SegLoop.Vision.Coco;

namespace SegLoop.Vision.Tests.Coco;

/// <summary>Random masks and strings against plain pixel loops (FsCheck; failures shrink to a small case).</summary>
public sealed class RleMaskPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);

    public sealed record MaskCase(int Height, int Width, byte[] Pixels)
    {
        public override string ToString() => $"{Height}x{Width} [{string.Join(",", Pixels)}]";
    }

    private static Gen<MaskCase> Masks(int maxSide) =>
        from h in Gen.Choose(0, maxSide)
        from w in Gen.Choose(0, maxSide)
        from density in Gen.Choose(0, 4)
        from pixels in Gen.ArrayOf(Gen.Frequency((4 - density + 1, Gen.Constant((byte)0)), (density + 1, Gen.Elements((byte)1, (byte)255))), h * w)
        select new MaskCase(h, w, pixels);

    private static Gen<(MaskCase A, MaskCase B)> MaskPairs(int maxSide) =>
        from a in Masks(maxSide)
        from pixels in Gen.ArrayOf(Gen.Elements((byte)0, (byte)1), a.Height * a.Width)
        select (a, new MaskCase(a.Height, a.Width, pixels));

    [Fact]
    public void EncodeDecode_RandomMasks_RoundTripAsBinary()
    {
        Check.One(Runs, Prop.ForAll(Masks(24).ToArbitrary(), m =>
        {
            var rle = RleMask.Encode(m.Pixels, m.Height, m.Width);
            return rle.Decode().AsSpan().SequenceEqual(PixelReference.Binary(m.Pixels))
                && rle.Area == PixelReference.Area(m.Pixels)
                && rle.Bbox == PixelReference.Box(m.Pixels, m.Height, m.Width)
                && rle.Counts.ToArray().Skip(1).All(c => c > 0);
        }));
    }

    [Fact]
    public void CompressedString_RandomMasks_RoundTrip()
    {
        Check.One(Runs, Prop.ForAll(Masks(40).ToArbitrary(), m =>
        {
            var rle = RleMask.Encode(m.Pixels, m.Height, m.Width);
            var text = rle.ToCompressedString();
            return text.All(ch => ch >= '0' && ch <= 'o')
                && RleMask.FromCompressedString(m.Height, m.Width, text).Equals(rle);
        }));
    }

    [Fact]
    public void CompressedString_RandomCountsWithZeroRunsAndLargeValues_RoundTrip()
    {
        var counts = Gen.ArrayOf(Gen.Frequency(
            (3, Gen.Choose(0, 40).Select(c => (uint)c)),
            (1, Gen.Choose(0, int.MaxValue).Select(c => (uint)c)),
            (1, Gen.Constant(0u))));
        Check.One(Runs, Prop.ForAll(counts.ToArbitrary(), cs =>
        {
            var total = cs.Sum(c => (long)c);
            if (total > Array.MaxLength)
                return true;
            var rle = new RleMask(1, (int)total, cs);
            return RleMask.FromCompressedString(1, (int)total, rle.ToCompressedString()).Counts.SequenceEqual(rle.Counts);
        }));
    }

    [Fact]
    public void FromCompressedString_ArbitraryText_EitherDecodesToTheRightTotalOrThrowsCocoMaskException()
    {
        var text = Gen.ArrayOf(Gen.Choose(32, 126).Select(c => (char)c)).Select(cs => new string(cs));
        Check.One(Runs, Prop.ForAll(text.ToArbitrary(), s =>
        {
            try
            {
                var rle = RleMask.FromCompressedString(4, 4, s);
                return rle.Counts.ToArray().Sum(c => (long)c) == 16;
            }
            catch (CocoMaskException e)
            {
                return e.Message.Length > 0;
            }
        }));
    }

    [Fact]
    public void Merge_RandomPairs_MatchesPixelOrAndAnd()
    {
        Check.One(Runs, Prop.ForAll(MaskPairs(16).ToArbitrary(), p =>
        {
            var a = RleMask.Encode(p.A.Pixels, p.A.Height, p.A.Width);
            var b = RleMask.Encode(p.B.Pixels, p.B.Height, p.B.Width);
            if (p.A.Height * p.A.Width == 0)
                return true;
            var union = RleMask.Merge([a, b]);
            var intersection = RleMask.Merge([a, b], intersect: true);
            return union.Decode().AsSpan().SequenceEqual(PixelReference.Combine(p.A.Pixels, p.B.Pixels, intersect: false))
                && intersection.Decode().AsSpan().SequenceEqual(PixelReference.Combine(p.A.Pixels, p.B.Pixels, intersect: true))
                && union.Equals(RleMask.Encode(union.Decode(), p.A.Height, p.A.Width));
        }));
    }

    [Fact]
    public void Iou_RandomPairs_MatchesPixelCounts()
    {
        Check.One(Runs, Prop.ForAll(MaskPairs(16).ToArbitrary(), p =>
        {
            var a = RleMask.Encode(p.A.Pixels, p.A.Height, p.A.Width);
            var b = RleMask.Encode(p.B.Pixels, p.B.Height, p.B.Width);
            var iou = RleMask.Iou([a], [b, b], [false, true]);
            return iou[0, 0] == PixelReference.Iou(p.A.Pixels, p.B.Pixels, crowd: false)
                && iou[0, 1] == PixelReference.Iou(p.A.Pixels, p.B.Pixels, crowd: true);
        }));
    }

    [Fact]
    public void FromPolygons_RandomPolygons_AreStableThroughDecodeAndInsideTheImage()
    {
        var polygons =
            from h in Gen.Choose(1, 30)
            from w in Gen.Choose(1, 30)
            from n in Gen.Choose(3, 8)
            from coords in Gen.ArrayOf(Gen.Choose(-100, 400).Select(v => v / 10.0), 2 * n)
            select (h, w, coords);
        Check.One(Runs, Prop.ForAll(polygons.ToArbitrary(), c =>
        {
            var rle = RleMask.FromPolygons([c.coords], c.h, c.w);
            var mask = rle.Decode();
            return RleMask.Encode(mask, c.h, c.w).Equals(rle) && rle.Area <= (long)c.h * c.w;
        }));
    }
}
