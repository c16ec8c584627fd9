using System.Buffers.Binary;
using System.Text;
using SegLoop.Testing;

namespace SegLoop.Vision.Tests;

/// <summary>Real images from ../shared/data and hand-built malformed files.</summary>
internal static class TestImages
{
    public static string[] CocoJpegs() => Directory.GetFiles(SharedData.CocoMiniImages, "*.jpg").Order(StringComparer.Ordinal).ToArray();

    public static byte[] FirstCocoJpeg() => File.ReadAllBytes(CocoJpegs()[0]);

    public static byte[] FirstCamVidPng() =>
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(SharedData.CamVidDev, "images"), "*.png").Order(StringComparer.Ordinal).First());

    /// <summary>A structurally valid PNG (signature, IHDR with a correct CRC, a tiny IDAT, IEND) that claims width x height.</summary>
    public static byte[] PngClaiming(uint width, uint height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type: RGB
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]); // zlib of one zero byte
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>Rewrites the width and height in a JPEG's first frame header (SOFn).</summary>
    public static byte[] JpegWithFrameSize(byte[] jpeg, ushort width, ushort height)
    {
        var copy = (byte[])jpeg.Clone();
        var pos = 2;
        while (pos + 4 < copy.Length)
        {
            var marker = copy[pos + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(pos + 2));
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(pos + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(pos + 7), width);
                return copy;
            }
            pos += 2 + length;
        }
        throw new InvalidOperationException("no SOF marker found");
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        stream.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        stream.Write(crc);
    }

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
