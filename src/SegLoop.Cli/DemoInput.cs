using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// A tiny task <c>run --once</c> makes itself: a 96×64 PNG with one red car-shaped box on grey, its COCO
/// instances file, and the <see cref="AnnotationTaskCompleted"/> that announces them. Fixed keys, so
/// running twice rewrites the same blobs.
/// </summary>
public static class DemoInput
{
    public const string TaskId = "demo-0001";
    public const string ImageKey = "images/demo/embedded/demo-0001.png";
    public const string AnnotationKey = "annotations/demo/embedded/demo-0001.coco.json";
    private const int Width = 96, Height = 64;
    private const int BoxX = 30, BoxY = 16, BoxWidth = 40, BoxHeight = 32;

    public static async Task<AnnotationTaskCompleted> WriteAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        await store.PutBytesAsync(ImageKey, Png(), "image/png", cancellationToken);
        await store.PutBytesAsync(AnnotationKey, Encoding.UTF8.GetBytes(Coco()), "application/json", cancellationToken);
        return new AnnotationTaskCompleted
        {
            TaskId = TaskId,
            Customer = "demo",
            Project = "embedded",
            Domain = "demo",
            ImageKey = ImageKey,
            AnnotationKey = AnnotationKey,
            SourceFormat = SourceFormats.Coco,
            FullScene = false,
        };
    }

    private static string Coco() =>
        $$"""
        {"images":[{"id":1,"file_name":"demo-0001.png","width":{{Width}},"height":{{Height}}}],
         "annotations":[{"id":1,"image_id":1,"category_id":3,"iscrowd":0,"area":{{BoxWidth * BoxHeight}},
           "bbox":[{{BoxX}},{{BoxY}},{{BoxWidth}},{{BoxHeight}}],
           "segmentation":[[{{BoxX}},{{BoxY}},{{BoxX + BoxWidth}},{{BoxY}},{{BoxX + BoxWidth}},{{BoxY + BoxHeight}},{{BoxX}},{{BoxY + BoxHeight}}]]}],
         "categories":[{"id":3,"name":"car","supercategory":"vehicle"}]}
        """;

    /// <summary>An 8-bit RGB PNG, written by hand so the demo needs no imaging library.</summary>
    public static byte[] Png()
    {
        var raw = new byte[Height * (1 + Width * 3)];
        for (var y = 0; y < Height; y++)
        {
            var row = y * (1 + Width * 3);
            raw[row] = 0; // filter: none
            for (var x = 0; x < Width; x++)
            {
                var inside = x >= BoxX && x < BoxX + BoxWidth && y >= BoxY && y < BoxY + BoxHeight;
                var p = row + 1 + x * 3;
                (raw[p], raw[p + 1], raw[p + 2]) = inside ? ((byte)200, (byte)30, (byte)30) : ((byte)128, (byte)128, (byte)128);
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
                zlib.Write(raw);
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32([.. typeBytes, .. data]));
        output.Write(word);
    }

    private static uint Crc32(byte[] bytes)
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
