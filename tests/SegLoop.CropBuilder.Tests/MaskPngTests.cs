using System.IO.Compression;
using SegLoop.Vision;

namespace SegLoop.CropBuilder.Tests;

public sealed class MaskPngTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(300, 17)]
    [InlineData(64, 640)]
    public void Encode_RandomMasks_OpenCvDecodesTheSamePixels(int width, int height)
    {
        var random = new Random(width * 1000 + height); // test inputs only
        var pixels = new byte[width * height];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = random.Next(3) == 0 ? (byte)255 : (byte)0;
        foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.SmallestSize })
        {
            var png = MaskPng.Encode(pixels, width, height, level);
            Assert.Equal(ImageFormat.Png, ImageCodec.ReadHeader(png).Format);
            using var decoded = ImageCodec.Decode(png, new DecodeOptions { Mode = DecodeMode.Unchanged });
            Assert.Equal((width, height, 1), (decoded.Width, decoded.Height, decoded.Channels));
            Assert.Equal(pixels, decoded.Pixels.ToArray());
            Assert.Equal(png, MaskPng.Encode(pixels, width, height, level)); // deterministic
        }
    }

    [Fact]
    public void Encode_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => MaskPng.Encode(new byte[5], 2, 3));
    }
}
