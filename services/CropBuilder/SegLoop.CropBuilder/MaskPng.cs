using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SegLoop.CropBuilder;

/// <summary>
/// Writes an 8-bit greyscale PNG (masks: 0 and 255) straight from a row-major buffer: no filtering, one zlib
/// stream. Masks are long runs, which deflate alone squeezes well; skipping libpng's per-row filter search makes
/// this several times faster than OpenCV's encoder for the same pixels. Same input, same bytes.
/// </summary>
public static class MaskPng
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <param name="pixels">Row-major, <paramref name="width"/> x <paramref name="height"/> bytes.</param>
    /// <param name="level">zlib effort; <see cref="CompressionLevel.Fastest"/> suits masks.</param>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"expected {(long)width * height} bytes for a {width} x {height} image, got {pixels.Length}", nameof(pixels));

        var rawLength = checked((width + 1) * height);
        var raw = ArrayPool<byte>.Shared.Rent(rawLength);
        try
        {
            for (var y = 0; y < height; y++)
            {
                raw[y * (width + 1)] = 0; // filter type None
                pixels.Slice(y * width, width).CopyTo(raw.AsSpan((y * (width + 1)) + 1, width));
            }
            return EncodeRows(raw.AsSpan(0, rawLength), width, height, level);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>
    /// Encodes rows already in PNG's layout: each row is one filter byte (0, None) and then <paramref name="width"/>
    /// pixels, <c>(width + 1) x height</c> bytes in all. Lets a caller decode a mask straight into PNG rows.
    /// </summary>
    public static byte[] EncodeRows(ReadOnlySpan<byte> rows, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var rawLength = checked((width + 1) * height);
        if (rows.Length != rawLength)
            throw new ArgumentException($"expected {rawLength} bytes of filtered rows for a {width} x {height} image, got {rows.Length}", nameof(rows));
        {
            using var idat = new MemoryStream(Math.Max(256, rawLength / 16));
            using (var zlib = new ZLibStream(idat, level, leaveOpen: true))
                zlib.Write(rows);

            using var png = new MemoryStream((int)idat.Length + 64);
            png.Write(Signature);
            Span<byte> header = stackalloc byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header, width);
            BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
            header[8] = 8; // bit depth
            header[9] = 0; // greyscale
            header[10] = 0; // deflate
            header[11] = 0; // adaptive filtering (each row says None)
            header[12] = 0; // no interlace
            WriteChunk(png, "IHDR", header);
            WriteChunk(png, "IDAT", idat.GetBuffer().AsSpan(0, (int)idat.Length));
            WriteChunk(png, "IEND", []);
            return png.ToArray();
        }
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        stream.Write(typeBytes);
        stream.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
