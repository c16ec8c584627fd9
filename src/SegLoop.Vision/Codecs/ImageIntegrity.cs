using System.Buffers.Binary;

namespace SegLoop.Vision.Codecs;

/// <summary>
/// What OpenCV's decoders do not check, read from the bytes before they are decoded: the size a header claims (so a
/// decompression bomb is refused before any memory is taken), and whether the file was cut short. OpenCV decodes a
/// truncated JPEG or PNG "successfully" into a partly grey image; these checks make that an error.
/// </summary>
internal static class ImageIntegrity
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The header, and for a JPEG where its first scan's entropy-coded data starts.</summary>
    internal readonly record struct Header(ImageHeader Image, int JpegScanStart);

    /// <summary>Reads the format, size and bit depth from a PNG IHDR or a JPEG frame header (SOFn) without decoding.</summary>
    /// <exception cref="ImageDecodeException">Empty, neither JPEG nor PNG, or a header that is cut short or invalid.</exception>
    public static Header ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            throw new ImageDecodeException("image data is empty (0 bytes)");
        if (data.StartsWith(PngSignature))
            return ReadPngHeader(data);
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return ReadJpegHeader(data);
        throw new ImageDecodeException($"image data is neither JPEG nor PNG (unknown signature, {data.Length} bytes)");
    }

    /// <summary>Refuses a header that claims more than <paramref name="maxPixels"/> (0 or less: no limit).</summary>
    public static void CheckPixelLimit(ImageHeader header, long maxPixels)
    {
        var pixels = (long)header.Width * header.Height;
        if (maxPixels > 0 && pixels > maxPixels)
        {
            throw new ImageTooLargeException(
                $"{Name(header.Format)} header claims {header.Width} x {header.Height} = {pixels} pixels, over the limit of {maxPixels}");
        }
    }

    /// <summary>
    /// Refuses a file that was cut short: a PNG whose chunk list does not reach IEND, a JPEG with no end-of-image marker
    /// after its first scan, a baseline or extended JPEG whose scans end before every block of the frame
    /// (<see cref="JpegScanCheck"/>).
    /// </summary>
    public static void CheckComplete(ReadOnlySpan<byte> data, Header header)
    {
        if (header.Image.Format == ImageFormat.Png)
        {
            CheckPngComplete(data);
        }
        else
        {
            CheckJpegEnd(data, header.JpegScanStart);
            JpegScanCheck.Run(data);
        }
    }

    internal static string Name(ImageFormat format) => format == ImageFormat.Png ? "PNG" : "JPEG";

    private static Header ReadPngHeader(ReadOnlySpan<byte> d)
    {
        if (d.Length < 8 + 8 + 13 + 4 || BinaryPrimitives.ReadUInt32BigEndian(d[8..]) != 13 || !d.Slice(12, 4).SequenceEqual("IHDR"u8))
            throw new ImageDecodeException("PNG data is truncated or does not start with an IHDR chunk");
        var width = BinaryPrimitives.ReadUInt32BigEndian(d[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(d[20..]);
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw new ImageDecodeException($"PNG IHDR has an invalid size {width} x {height}");
        return new Header(new ImageHeader(ImageFormat.Png, (int)width, (int)height, BitDepth: d[24]), 0);
    }

    /// <summary>Walks the chunk list: a PNG whose IEND chunk is missing was cut short.</summary>
    private static void CheckPngComplete(ReadOnlySpan<byte> d)
    {
        long pos = 8;
        while (pos + 12 <= d.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(d[(int)pos..]);
            if (length > d.Length - pos - 12)
                break;
            if (d.Slice((int)pos + 4, 4).SequenceEqual("IEND"u8))
                return;
            pos += 12 + length;
        }
        throw new ImageDecodeException($"PNG data is truncated: no IEND chunk ({d.Length} bytes)");
    }

    private static Header ReadJpegHeader(ReadOnlySpan<byte> d)
    {
        var pos = 2;
        int width = 0, height = 0, precision = 0;
        var haveFrame = false;
        while (true)
        {
            if (pos >= d.Length)
                throw new ImageDecodeException("JPEG data is truncated before its first scan");
            if (d[pos] != 0xFF)
                throw new ImageDecodeException($"JPEG data is corrupt: expected a marker at byte {pos}");
            while (pos < d.Length && d[pos] == 0xFF)
                pos++; // fill bytes
            if (pos >= d.Length)
                throw new ImageDecodeException("JPEG data is truncated before its first scan");
            var marker = d[pos++];
            if (marker is (>= 0xD0 and <= 0xD7) or 0x01)
                continue; // no length
            if (marker is 0xD8 or 0xD9 or 0x00)
                throw new ImageDecodeException("JPEG data is corrupt: unexpected marker before the first scan");
            if (pos + 2 > d.Length)
                throw new ImageDecodeException("JPEG data is truncated inside a marker segment");
            int length = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
            if (length < 2 || pos + length > d.Length)
                throw new ImageDecodeException("JPEG data is truncated or corrupt inside a marker segment");
            if (Jpeg.IsFrameHeader(marker))
            {
                if (length < 8)
                    throw new ImageDecodeException("JPEG frame header is too short");
                precision = d[pos + 2];
                height = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 3)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 5)..]);
                haveFrame = true;
            }
            else if (marker == Jpeg.StartOfScan)
            {
                if (!haveFrame)
                    throw new ImageDecodeException("JPEG data is corrupt: scan before frame header");
                pos += length;
                break;
            }
            pos += length;
        }
        if (width == 0 || height == 0)
            throw new ImageDecodeException($"JPEG frame header has an invalid size {width} x {height}");
        return new Header(new ImageHeader(ImageFormat.Jpeg, width, height, precision), pos);
    }

    /// <summary>
    /// Entropy-coded data never contains FF D9 (an FF there is stuffed), so the end-of-image marker after the first scan
    /// is the proof that the file was not cut short.
    /// </summary>
    private static void CheckJpegEnd(ReadOnlySpan<byte> d, int scanStart)
    {
        for (var i = d.Length - 1; i > scanStart; i--)
        {
            if (d[i] == 0xD9 && d[i - 1] == 0xFF)
                return;
        }
        throw new ImageDecodeException($"JPEG data is truncated: no end-of-image marker after the scan ({d.Length} bytes)");
    }
}
