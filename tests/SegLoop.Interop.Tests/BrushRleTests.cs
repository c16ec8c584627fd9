using SegLoop.Interop.LabelStudio;
using SegLoop.Vision.Coco;

namespace SegLoop.Interop.Tests;

public sealed class BrushRleTests
{
    /// <summary>label-studio-converter tests/test_brush.py::test_rle_encoding: its input and the bytes its encode_rle gives.</summary>
    [Fact]
    public void Encode_ConverterTestVector_SameBytes()
    {
        byte[] values = [1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 4, 4, 4, 4, 4, 4, 4, 4];
        byte[] expected = [0, 0, 0, 18, 57, 27, 252, 96, 32, 1, 0, 6, 0, 40, 0, 192, 3, 128, 17, 56, 32];

        Assert.Equal(expected, BrushRle.Encode(values));
        Assert.Equal(values, BrushRle.Decode(expected));
    }

    /// <summary>
    /// The converter's header for mask2rle on a 2x2 mask with one pixel set: 16 values, word size 8, sizes 3/4/8/16;
    /// runs of 12 zeros (rle size 4) and 4 x 255 (rle size 3), then zero padding to the byte. Worked out from brush.py.
    /// </summary>
    [Fact]
    public void EncodeMask_TwoByTwo_ConverterBits()
    {
        // 00000000 00000000 00000000 00010000 | 00111 | 0010 0011 0111 1111 | 1 01 1011 00000000 | 1 00 011 11111111 | pad 7
        var bits = "00000000000000000000000000010000" + "00111" + "0010001101111111" + "1011011" + "00000000" + "100011" + "11111111";
        bits += new string('0', 8 - (bits.Length % 8));
        var expected = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();

        Assert.Equal(expected, BrushRle.EncodeMask([0, 0, 0, 1], 2, 2));
        Assert.Equal([0, 0, 0, 1], BrushRle.DecodeMask(expected, 2, 2));
    }

    [Fact]
    public void Encode_RunsOverSixtyFiveThousand_SplitAndDecodeBack()
    {
        var values = new byte[(65536 * 2) + 7];
        values.AsSpan(3).Fill(255);

        var rle = BrushRle.Encode(values);

        Assert.Equal(values, BrushRle.Decode(rle));
        // 53 header bits, the 3 zeros as a repeat (1+2+3+8), 131075 x 255 as 65536 + 65536 + 3 (3 x 27 bits), 4 padding bits
        Assert.Equal((53 + 14 + (3 * 27) + 4) / 8, rle.Length);
    }

    [Fact]
    public void Decode_HeaderClaimsOtherSize_Refused()
    {
        var rle = BrushRle.EncodeMask(new byte[12], 4, 3);

        var e = Assert.Throws<FormatException>(() => BrushRle.DecodeMask(rle, 4, 4));
        Assert.Contains("48 values; 64 were expected", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => BrushRle.Decode(rle.AsSpan(0, 8)));
    }

    /// <summary>Every coco-mini mask: mask2rle equals encode_rle of the mask repeated four times at 255 (what brush.py computes), and decodes back exactly.</summary>
    [Fact]
    public async Task EncodeMask_CocoMiniMasks_EqualsExpandedEncodeAndDecodesBack()
    {
        var coco = await CocoDataset.LoadAsync(SharedData.CocoMiniAnnotations);
        var images = coco.Images.ToDictionary(i => i.Id);
        var checkedMasks = 0;
        foreach (var annotation in coco.Annotations.Take(60))
        {
            var image = images[annotation.ImageId];
            var mask = annotation.Segmentation!.ToRle(image.Height, image.Width).Decode();
            var expanded = new byte[mask.Length * 4];
            for (var p = 0; p < mask.Length; p++)
                expanded.AsSpan(p * 4, 4).Fill(mask[p] != 0 ? (byte)255 : (byte)0);

            var rle = BrushRle.EncodeMask(mask, image.Width, image.Height);

            Assert.Equal(BrushRle.Encode(expanded), rle);
            Assert.Equal(mask, BrushRle.DecodeMask(rle, image.Width, image.Height));
            checkedMasks++;
        }
        Assert.Equal(60, checkedMasks);
    }
}
