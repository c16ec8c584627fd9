using OpenCvSharp;
using SegLoop.Vision.Codecs;

namespace SegLoop.Vision.Tests.Codecs;

public sealed class ImageIntegrityTests
{
    [Fact]
    public void CheckComplete_EveryCocoMiniJpeg_Passes()
    {
        foreach (var file in TestImages.CocoJpegs())
        {
            var bytes = File.ReadAllBytes(file);
            ImageIntegrity.CheckComplete(bytes, ImageIntegrity.ReadHeader(bytes));
        }
    }

    [Fact]
    public void Decode_JpegCutInItsScanWithEndMarkerAppended_ThrowsPrematureEnd()
    {
        var jpeg = TestImages.FirstCocoJpeg();
        var cut = jpeg.AsSpan(0, jpeg.Length * 3 / 5).ToArray().Concat(new byte[] { 0xFF, 0xD9 }).ToArray();

        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(cut));
        Assert.Contains("premature end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegWithRestartMarkers_WalksEveryInterval()
    {
        var jpeg = EncodeFirstCoco(new ImageEncodingParam(ImwriteFlags.JpegRstInterval, 4));
        Assert.True(RestartMarkers(jpeg).Count > 10);

        using var image = ImageCodec.Decode(jpeg);
        Assert.Equal(ImageCodec.ReadHeader(jpeg).Width, image.Width);
    }

    [Fact]
    public void Decode_JpegWithRestartMarkerOutOfOrder_ThrowsImageDecodeException()
    {
        var jpeg = EncodeFirstCoco(new ImageEncodingParam(ImwriteFlags.JpegRstInterval, 4));
        var third = RestartMarkers(jpeg)[2];
        jpeg[third + 1] = (byte)(0xD0 + ((jpeg[third + 1] - 0xD0 + 3) & 7));

        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(jpeg));
        Assert.Contains("restart marker", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegScanStartingWithAllOnes_ThrowsBadHuffmanCode()
    {
        // libjpeg's standard DC tables hold no all-ones code of 9 bits or fewer: FF 00 FF 00 is no code at all.
        var jpeg = EncodeFirstCoco(new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        var scan = ImageIntegrity.ReadHeader(jpeg).JpegScanStart;
        byte[] ones = [0xFF, 0x00, 0xFF, 0x00];
        var corrupt = jpeg[..scan].Concat(ones).Concat(jpeg[scan..]).ToArray();

        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(corrupt));
        Assert.Contains("bad Huffman code", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ProgressiveJpeg_Decodes()
    {
        var jpeg = EncodeFirstCoco(new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1));

        using var image = ImageCodec.Decode(jpeg);
        Assert.Equal(ImageCodec.ReadHeader(jpeg).Height, image.Height);
    }

    [Fact]
    public void ReadHeader_SixteenBitPng_SaysSoAndDecodeScalesToEightBits()
    {
        using var deep = new Mat(2, 3, MatType.CV_16UC1, Scalar.All(0));
        deep.Set(0, 0, (ushort)65535);
        deep.Set(0, 1, (ushort)(257 * 100));
        Cv2.ImEncode(".png", deep, out var png);

        Assert.Equal(new ImageHeader(ImageFormat.Png, 3, 2, BitDepth: 16), ImageCodec.ReadHeader(png));
        using var image = ImageCodec.Decode(png, new DecodeOptions { Mode = DecodeMode.Unchanged });
        Assert.Equal(new byte[] { 255, 100, 0, 0, 0, 0 }, image.Pixels.ToArray());
    }

    [Fact]
    public void ReadHeader_CocoJpeg_IsEightBit()
    {
        Assert.Equal(8, ImageCodec.ReadHeader(TestImages.FirstCocoJpeg()).BitDepth);
    }

    private static byte[] EncodeFirstCoco(ImageEncodingParam parameter)
    {
        using var image = ImageCodec.Decode(TestImages.FirstCocoJpeg());
        Cv2.ImEncode(".jpg", image.Mat, out var jpeg, parameter);
        return jpeg;
    }

    private static List<int> RestartMarkers(byte[] jpeg)
    {
        var found = new List<int>();
        for (var i = ImageIntegrity.ReadHeader(jpeg).JpegScanStart; i < jpeg.Length - 1; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is >= 0xD0 and <= 0xD7)
                found.Add(i);
        }
        return found;
    }
}
