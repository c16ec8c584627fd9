using System.Buffers.Binary;
using SegLoop.Vision;

namespace SegLoop.Ingest.Tests;

/// <summary>Small images made in the test (and real ones from the shared data) for the ingest tests.</summary>
internal static class TestImages
{
    /// <summary>A grey BGR PNG of the given size.</summary>
    public static byte[] Png(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)128);
        using var image = Image.FromPixels(width, height, 3, pixels);
        return image.EncodePng();
    }

    /// <summary>A single-channel PNG mask with a filled rectangle.</summary>
    public static byte[] MaskPng(int width, int height, int x0, int y0, int x1, int y1)
    {
        var pixels = new byte[width * height];
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++)
                pixels[(y * width) + x] = 255;
        using var image = Image.FromPixels(width, height, 1, pixels);
        return image.EncodePng();
    }

    /// <summary>A valid PNG whose IHDR claims <paramref name="width"/> x <paramref name="height"/> (CRC fixed): a decompression bomb's header.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var png = Png(8, 8);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    public static byte[] RealJpeg() => File.ReadAllBytes(Directory.EnumerateFiles(Testing.SharedData.CocoMiniImages, "*.jpg").Order(StringComparer.Ordinal).First());

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
