using System.Buffers.Binary;
using System.Text;
using SegLoop.Vision;

namespace SegLoop.Testing;

/// <summary>Test images: real ones from ../shared/data, small ones made in the test, and hand-built files that lie.</summary>
public static class TestImages
{
    /// <summary>The coco-mini JPEGs, in ordinal order of their paths.</summary>
    public static string[] CocoJpegs() => Directory.GetFiles(SharedData.CocoMiniImages, "*.jpg").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The bytes of the first coco-mini JPEG: a real photograph.</summary>
    public static byte[] FirstCocoJpeg() => File.ReadAllBytes(CocoJpegs()[0]);

    /// <summary>The bytes of the first CamVid dev PNG (480 x 360).</summary>
    public static byte[] FirstCamVidPng() =>
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(SharedData.CamVidDev, "images"), "*.png").Order(StringComparer.Ordinal).First());

    /// <summary>A grey BGR PNG of the given size.</summary>
    public static byte[] Png(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)128);
        using var image = Image.FromPixels(width, height, 3, pixels);
        return image.EncodePng();
    }

    /// <summary>A single-channel PNG mask with a filled rectangle from (x0, y0) up to, not including, (x1, y1).</summary>
    public static byte[] MaskPng(int width, int height, int x0, int y0, int x1, int y1)
    {
        var pixels = new byte[width * height];
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++)
                pixels[(y * width) + x] = 255;
        using var image = Image.FromPixels(width, height, 1, pixels);
        return image.EncodePng();
    }

    /// <summary>A width x height image of <paramref name="background"/> with filled rectangles of <paramref name="foreground"/>.</summary>
    public static Image Squares(int width, int height, byte background, byte foreground, params Rect[] squares)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inside = squares.Any(s => x >= s.X && x < s.Right && y >= s.Y && y < s.Bottom);
                pixels.AsSpan(((y * width) + x) * 3, 3).Fill(inside ? foreground : background);
            }
        }
        return Image.FromPixels(width, height, 3, pixels);
    }

    /// <summary>A mask of the given rectangles.</summary>
    public static Mask RectMask(int width, int height, params Rect[] rects)
    {
        var data = new byte[width * height];
        foreach (var r in rects)
        {
            for (var y = r.Y; y < r.Bottom; y++)
                data.AsSpan((y * width) + r.X, r.Width).Fill(1);
        }
        return Mask.FromBytes(width, height, data);
    }

    /// <summary>A noisy object on a noisy background, the kind GrabCut handles: PNG bytes.</summary>
    public static byte[] ObjectPng(int width, int height, Rect square, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inside = x >= square.X && x < square.Right && y >= square.Y && y < square.Bottom;
                var i = ((y * width) + x) * 3;
                pixels[i] = (byte)((inside ? 40 : 200) + random.Next(-20, 20));
                pixels[i + 1] = (byte)((inside ? 60 : 190) + random.Next(-20, 20));
                pixels[i + 2] = (byte)((inside ? 220 : 80) + random.Next(-20, 20));
            }
        }
        using var image = Image.FromPixels(width, height, 3, pixels);
        return image.EncodePng();
    }

    /// <summary>
    /// A structurally valid PNG (signature, IHDR with a correct CRC, a one-byte IDAT, IEND) whose header claims
    /// width x height: a decompression bomb's header, or a header that claims more than its data.
    /// </summary>
    public static byte[] PngClaiming(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
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
