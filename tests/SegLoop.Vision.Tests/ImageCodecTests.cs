using System.Text.Json;
using SegLoop.Testing;

namespace SegLoop.Vision.Tests;

public sealed class ImageCodecTests
{
    [Fact]
    public void Decode_EveryCocoMiniJpeg_MatchesAnnotationSize()
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(SharedData.CocoMiniAnnotations));
        var sizes = json.RootElement.GetProperty("images").EnumerateArray()
            .ToDictionary(i => i.GetProperty("file_name").GetString()!, i => (W: i.GetProperty("width").GetInt32(), H: i.GetProperty("height").GetInt32()));
        var files = TestImages.CocoJpegs();
        Assert.Equal(80, files.Length);

        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            using var image = ImageCodec.Decode(bytes);
            var expected = sizes[Path.GetFileName(file)];
            Assert.Equal(expected, (image.Width, image.Height));
            Assert.Equal(3, image.Channels);
            Assert.Equal(new ImageHeader(ImageFormat.Jpeg, expected.W, expected.H), ImageCodec.ReadHeader(bytes));
        }
    }

    [Fact]
    public void Decode_CamVidPngs_Are480x360()
    {
        var images = Directory.GetFiles(Path.Combine(SharedData.CamVidDev, "images"), "*.png");
        var labels = Directory.GetFiles(Path.Combine(SharedData.CamVidDev, "labels"), "*.png");
        Assert.Equal(30, images.Length);
        Assert.Equal(30, labels.Length);

        foreach (var file in images)
        {
            using var image = ImageCodec.Decode(File.ReadAllBytes(file));
            Assert.Equal((480, 360, 3), (image.Width, image.Height, image.Channels));
        }
        foreach (var file in labels)
        {
            using var label = ImageCodec.Decode(File.ReadAllBytes(file), new DecodeOptions { Mode = DecodeMode.Unchanged });
            Assert.Equal((480, 360, 1), (label.Width, label.Height, label.Channels));
            Assert.All(label.Pixels.ToArray(), v => Assert.InRange(v, 0, 11)); // 11 classes + void (11)
        }
    }

    [Fact]
    public void EncodePng_ThenDecode_IsPixelExact()
    {
        using var image = ImageCodec.Decode(TestImages.FirstCocoJpeg());
        var png = image.EncodePng(compression: 6);
        using var back = ImageCodec.Decode(png);

        Assert.Equal((image.Width, image.Height, image.Channels), (back.Width, back.Height, back.Channels));
        Assert.True(image.Pixels.SequenceEqual(back.Pixels));
    }

    [Fact]
    public void EncodeJpeg_ThenDecode_StaysClose()
    {
        using var image = ImageCodec.Decode(TestImages.FirstCocoJpeg());
        var jpeg = image.EncodeJpeg(quality: 95);
        using var back = ImageCodec.Decode(jpeg);

        Assert.Equal((image.Width, image.Height), (back.Width, back.Height));
        var a = image.Pixels;
        var b = back.Pixels;
        long diff = 0;
        for (var i = 0; i < a.Length; i++)
            diff += Math.Abs(a[i] - b[i]);
        Assert.InRange((double)diff / a.Length, 0, 3.0); // mean absolute error per channel at quality 95
    }

    [Fact]
    public void Decode_Grayscale_GivesOneChannel()
    {
        using var image = ImageCodec.Decode(TestImages.FirstCocoJpeg(), new DecodeOptions { Mode = DecodeMode.Grayscale });
        Assert.Equal(1, image.Channels);
    }

    [Fact]
    public void Decode_ZeroBytes_ThrowsImageDecodeException()
    {
        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode([]));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnknownFormat_ThrowsImageDecodeException()
    {
        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode("GIF89a not supported"u8));
        Assert.Contains("neither JPEG nor PNG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RandomBytesAfterJpegSoi_ThrowsImageDecodeException()
    {
        var random = new Random(1234);
        var data = new byte[4096];
        random.NextBytes(data);
        data[0] = 0xFF;
        data[1] = 0xD8;
        data[2] = 0xFF;

        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(data));
        Assert.Contains("JPEG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_GarbageScanData_RefusedOrDecodedAtHeaderSize()
    {
        // Valid headers, random entropy-coded data and an end marker. JPEG has no checksum: random bits can be
        // valid Huffman codes, so this may decode to noise. Either way: a clear exception or a whole image, no crash.
        var jpeg = TestImages.FirstCocoJpeg();
        var random = new Random(99);
        var sos = FindMarker(jpeg, 0xDA);
        var garbage = new byte[jpeg.Length - sos - 20];
        random.NextBytes(garbage);
        for (var i = 0; i < garbage.Length; i++)
        {
            if (garbage[i] == 0xFF)
                garbage[i] = 0xFE;
        }
        garbage.CopyTo(jpeg, sos + 18);
        jpeg[^2] = 0xFF;
        jpeg[^1] = 0xD9;

        var header = ImageCodec.ReadHeader(jpeg);
        try
        {
            using var image = ImageCodec.Decode(jpeg);
            Assert.Equal((header.Width, header.Height), (image.Width, image.Height));
        }
        catch (ImageDecodeException ex)
        {
            Assert.Contains("JPEG", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_TruncatedPng_ThrowsImageDecodeException()
    {
        var png = TestImages.FirstCamVidPng();
        var half = png.AsSpan(0, png.Length / 2).ToArray();

        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(half));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TruncatedJpeg_ThrowsImageDecodeException()
    {
        var jpeg = TestImages.FirstCocoJpeg();
        var half = jpeg.AsSpan(0, jpeg.Length / 2).ToArray();

        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(half));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_PngHeaderClaims100000Squared_ThrowsImageTooLargeBeforeDecoding()
    {
        var png = TestImages.PngClaiming(100_000, 100_000);
        Assert.True(png.Length < 100);

        var ex = Assert.Throws<ImageTooLargeException>(() => ImageCodec.Decode(png));
        Assert.Contains("100000 x 100000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new ImageHeader(ImageFormat.Png, 100_000, 100_000), ImageCodec.ReadHeader(png));
    }

    [Fact]
    public void Decode_PngHeaderClaimsMoreThanItsData_ThrowsImageDecodeException()
    {
        var png = TestImages.PngClaiming(4000, 3000); // within the limit, but the IDAT holds one byte

        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png));
    }

    [Fact]
    public void Decode_JpegHeaderClaimsHugeSize_ThrowsImageTooLarge()
    {
        var jpeg = TestImages.JpegWithFrameSize(TestImages.FirstCocoJpeg(), 60_000, 60_000);

        var ex = Assert.Throws<ImageTooLargeException>(() => ImageCodec.Decode(jpeg));
        Assert.Contains("60000 x 60000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegHeaderClaimsDifferentSize_ThrowsImageDecodeException()
    {
        var original = TestImages.FirstCocoJpeg();
        var header = ImageCodec.ReadHeader(original);
        var jpeg = TestImages.JpegWithFrameSize(original, (ushort)(header.Width * 2), (ushort)(header.Height * 2));

        // libjpeg only warns here ("premature end of data segment") and fills the rest with grey; we refuse it.
        var ex = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(jpeg));
        Assert.Contains("premature end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RealImageOverConfiguredLimit_ThrowsImageTooLarge()
    {
        var jpeg = TestImages.FirstCocoJpeg();

        Assert.Throws<ImageTooLargeException>(() => ImageCodec.Decode(jpeg, new DecodeOptions { MaxPixels = 1000 }));
        using var image = ImageCodec.Decode(jpeg, new DecodeOptions { MaxPixels = 0 });
        Assert.True(image.Width * image.Height > 1000);
    }

    [Fact]
    public void Decode_AfterEachBadInput_NextDecodeSucceeds()
    {
        byte[][] bad = [[], [0xFF, 0xD8, 0xFF], TestImages.PngClaiming(100_000, 100_000), [0x89, (byte)'P', (byte)'N', (byte)'G']];
        foreach (var data in bad)
        {
            Assert.ThrowsAny<ImageDecodeException>(() => ImageCodec.Decode(data));
            using var good = ImageCodec.Decode(TestImages.FirstCamVidPng());
            Assert.Equal(480, good.Width);
        }
    }

    private static int FindMarker(byte[] jpeg, byte marker)
    {
        for (var i = 2; i < jpeg.Length - 1; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
                return i;
        }
        throw new InvalidOperationException($"marker FF{marker:X2} not found");
    }
}
