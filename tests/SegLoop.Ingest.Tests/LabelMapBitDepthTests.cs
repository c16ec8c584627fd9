using System.Buffers.Binary;
using System.IO.Compression;
using SegLoop.Contracts;
using SegLoop.Importers;

namespace SegLoop.Ingest.Tests;

public sealed class LabelMapBitDepthTests : IDisposable
{
    private const int W = 8, H = 4;
    private static readonly ushort[] Ids = [0, 5, 200, 255];
    private readonly string _dir = Directory.CreateTempSubdirectory("segloop-labeldepth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_SixteenBitLabelMap_RefusedNamingTheBitDepth()
    {
        var request = LoadWithLabel(GrayPng(16));

        var problem = Assert.Single(request.ImportProblems);
        Assert.Equal(RejectionCodes.LabelUnreadable, problem.Code);
        Assert.Contains("16-bit", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(request.Payload.Instances ?? []);
    }

    [Fact]
    public void Load_EightBitLabelMapWithTheSameIds_EachIdItsOwnClass()
    {
        var request = LoadWithLabel(GrayPng(8));

        Assert.Empty(request.ImportProblems);
        Assert.Equal("five,two five five,two hundred", string.Join(',', request.Payload.Instances!.Select(i => i!.ClassName).Order(StringComparer.Ordinal)));
    }

    private IngestRequest LoadWithLabel(byte[] png)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "images"));
        Directory.CreateDirectory(Path.Combine(_dir, "labels"));
        File.WriteAllBytes(Path.Combine(_dir, "images", "f.png"), TestImages.Png(W, H));
        File.WriteAllBytes(Path.Combine(_dir, "labels", "f.png"), png);
        File.WriteAllText(Path.Combine(_dir, "classes.txt"), "0 void\n5 five\n200 two hundred\n255 two five five\n");
        return new LabelMapImporter(Path.Combine(_dir, "images"), Path.Combine(_dir, "labels"), Path.Combine(_dir, "classes.txt"), null, ["void"]).Read(new ImportTarget("acme", "roads", "street")).Single();
    }

    /// <summary>A grayscale PNG written byte by byte (no codec that could scale it): two columns per id, at 8 or 16 bits.</summary>
    private static byte[] GrayPng(int depth)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < H; y++)
        {
            raw.WriteByte(0); // filter: none
            for (var x = 0; x < W; x++)
            {
                var id = Ids[x / 2];
                if (depth == 16)
                    raw.WriteByte((byte)(id >> 8));
                raw.WriteByte((byte)id);
            }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            raw.WriteTo(z);
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, W);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), H);
        ihdr[8] = (byte)depth; // color type 0 (grayscale), compression, filter, interlace all 0
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(body));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            c ^= b;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFFu;
    }
}
