namespace SegLoop.Interop.LabelStudio;

/// <summary>
/// Label Studio's brush RLE (thi.ng rle-pack), bit for bit as label-studio-converter's <c>brush.py</c> writes it: a
/// header of the value count (32 bits), the word size less one (5 bits, 8) and four run-length field sizes less one
/// (4 bits each: 3, 4, 8 and 16), then per run either a literal single value ('0', size index 0, a 3-bit zero, the
/// byte) or a repeat ('1', the size index, length less one, the byte), runs over 65536 split, and zero bits to the
/// next byte (a whole zero byte when already aligned, as the converter does). A mask is stored as RGBA, each pixel
/// four equal values, 255 inside; readers take the alpha channel.
/// </summary>
public static class BrushRle
{
    private const int WordSize = 8;
    private static readonly int[] EncodeSizes = [3, 4, 8, 16];

    /// <summary>The converter's <c>encode_rle</c> of a flat array of byte values.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> values)
    {
        var writer = new BitWriter();
        WriteHeader(writer, values.Length);
        var i = 0;
        while (i < values.Length)
        {
            var j = i + 1;
            while (j < values.Length && values[j] == values[i])
                j++;
            WriteRun(writer, j - i, values[i]);
            i = j;
        }
        return writer.Finish();
    }

    /// <summary>
    /// The converter's <c>mask2rle</c> of a row-major mask (any nonzero byte inside): each pixel becomes four values of
    /// 255 or 0. Runs are taken from the mask directly (a run of n pixels is a run of 4n values), never expanded.
    /// </summary>
    public static byte[] EncodeMask(ReadOnlySpan<byte> rowMajorMask, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (rowMajorMask.Length != (long)width * height)
            throw new ArgumentException($"The mask holds {rowMajorMask.Length} pixels, not {width}x{height}.", nameof(rowMajorMask));
        var writer = new BitWriter();
        WriteHeader(writer, checked(rowMajorMask.Length * 4));
        var i = 0;
        while (i < rowMajorMask.Length)
        {
            var inside = rowMajorMask[i] != 0;
            var j = i + 1;
            while (j < rowMajorMask.Length && (rowMajorMask[j] != 0) == inside)
                j++;
            WriteRun(writer, 4L * (j - i), inside ? (byte)255 : (byte)0);
            i = j;
        }
        return writer.Finish();
    }

    /// <summary>
    /// The converter's <c>decode_rle</c>: the flat values. <paramref name="expectedCount"/>, when given, is checked
    /// against the header before anything is allocated (a header can claim four billion values).
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> rle, long? expectedCount = null)
    {
        var reader = new BitReader(rle);
        var count = reader.Read(32);
        if (expectedCount is { } expected && count != expected)
            throw new FormatException($"The brush RLE holds {count} values; {expected} were expected (width x height x 4).");
        var wordSize = (int)reader.Read(5) + 1;
        Span<int> sizes = stackalloc int[4];
        for (var s = 0; s < 4; s++)
            sizes[s] = (int)reader.Read(4) + 1;
        var output = new byte[checked((int)count)];
        long i = 0;
        while (i < count)
        {
            var repeat = reader.Read(1) == 1;
            var size = sizes[(int)reader.Read(2)];
            var end = i + 1 + reader.Read(size);
            if (repeat)
            {
                var value = (byte)reader.Read(wordSize);
                output.AsSpan((int)i, (int)(Math.Min(end, count) - i)).Fill(value);
                i = end;
            }
            else
            {
                if (end > count)
                    throw new FormatException($"The brush RLE has literal values past its {count} values.");
                for (; i < end; i++)
                    output[i] = (byte)reader.Read(wordSize);
            }
        }
        return output;
    }

    /// <summary>A <paramref name="width"/> x <paramref name="height"/> mask (1 inside, row-major) from the alpha channel of a brush RLE, as the converter reads it.</summary>
    public static byte[] DecodeMask(ReadOnlySpan<byte> rle, int width, int height)
    {
        var values = Decode(rle, 4L * width * height);
        var mask = new byte[(long)width * height];
        for (var p = 0; p < mask.Length; p++)
            mask[p] = values[(p * 4) + 3] > 0 ? (byte)1 : (byte)0;
        return mask;
    }

    private static void WriteHeader(BitWriter writer, long count)
    {
        writer.Write((ulong)count, 32);
        writer.Write(WordSize - 1, 5);
        foreach (var size in EncodeSizes)
            writer.Write((ulong)(size - 1), 4);
    }

    private static void WriteRun(BitWriter writer, long length, byte value)
    {
        if (length == 1)
        {
            writer.Write(0, 1 + 2 + 3); // literal, size index 0, one value
        }
        else if (length <= 8)
        {
            writer.Write(0b100, 3);
            writer.Write((ulong)(length - 1), 3);
        }
        else if (length <= 16)
        {
            writer.Write(0b101, 3);
            writer.Write((ulong)(length - 1), 4);
        }
        else if (length <= 256)
        {
            writer.Write(0b110, 3);
            writer.Write((ulong)(length - 1), 8);
        }
        else
        {
            for (; length > 65536; length -= 65536)
            {
                writer.Write(0b111, 3);
                writer.Write(65535, 16);
                writer.Write(value, 8);
            }
            writer.Write(0b111, 3);
            writer.Write((ulong)(length - 1), 16);
        }
        writer.Write(value, 8);
    }

    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _current;
        private int _filled;

        public void Write(ulong value, int bits)
        {
            for (var b = bits - 1; b >= 0; b--)
            {
                _current = (_current << 1) | (int)((value >> b) & 1);
                if (++_filled == 8)
                {
                    _bytes.Add((byte)_current);
                    _current = _filled = 0;
                }
            }
        }

        /// <summary>Pads with 8 - (length mod 8) zero bits: a full zero byte when already aligned, as brush.py does.</summary>
        public byte[] Finish()
        {
            Write(0, 8 - _filled);
            return [.. _bytes];
        }
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private long _position;

        public long Read(int bits)
        {
            if (_position + bits > _data.Length * 8L)
                throw new FormatException($"The brush RLE ends early: {bits} more bits were needed at bit {_position} of {_data.Length * 8L}.");
            long value = 0;
            for (var b = 0; b < bits; b++, _position++)
                value = (value << 1) | (uint)((_data[(int)(_position >> 3)] >> (7 - (int)(_position & 7))) & 1);
            return value;
        }
    }
}
