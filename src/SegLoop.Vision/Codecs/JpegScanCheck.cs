using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegLoop.Vision.Codecs;

internal static class Jpeg
{
    public const byte StartOfScan = 0xDA;
    public const byte EndOfImage = 0xD9;

    public static bool IsFrameHeader(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
}

/// <summary>
/// Proves that a JPEG's entropy-coded data holds every block of its frame, without decoding pixels. OpenCV's imdecode
/// lets libjpeg only *warn* when a scan ends early ("premature end of data segment": a header that claims more rows
/// than the data holds, a file cut short and given an end marker) or holds an invalid Huffman code, and returns a
/// grey-filled image. This walks every MCU of every scan as libjpeg would (Huffman symbols decoded, coefficient bits
/// skipped, restart markers checked in order) and throws <see cref="ImageDecodeException"/> where libjpeg would warn.
/// <para>
/// Baseline and extended sequential Huffman JPEGs (SOF0, SOF1: what cameras and datasets hold) are walked fully.
/// Progressive (SOF2), lossless and arithmetic-coded frames are not walked: for those the checks are the weaker ones
/// in <see cref="ImageIntegrity"/> (an end-of-image marker after the scan, the decoded size equal to the header's).
/// Walking a progressive file needs each coefficient's history across refinement scans; they are rare in datasets.
/// </para>
/// </summary>
internal static class JpegScanCheck
{
    private const int MaxBlocksPerMcu = 10;

    /// <summary>Zero bytes after an interval's plain bits: more than one block can read (64 codes of 16 bits + 15) plus a window.</summary>
    private const int Padding = 512;

    public static void Run(ReadOnlySpan<byte> d)
    {
        var tables = new HuffmanTable?[8]; // DC 0..3, AC 4..7
        Frame? frame = null;
        var restartInterval = 0;
        var pos = 2;
        while (true)
        {
            var at = NextMarker(d, pos);
            if (at < 0)
                throw new ImageDecodeException($"JPEG data is truncated: no end-of-image marker ({d.Length} bytes)");
            var marker = d[at];
            pos = at + 1;
            if (marker == Jpeg.EndOfImage)
            {
                if (frame is not null && Array.IndexOf(frame.Scanned, false) >= 0)
                    throw Premature("a component has no scan before the end-of-image marker");
                return;
            }
            if (marker is (>= 0xD0 and <= 0xD7) or 0x01)
                continue;
            if (pos + 2 > d.Length)
                throw new ImageDecodeException("JPEG data is truncated inside a marker segment");
            int length = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
            if (length < 2 || pos + length > d.Length)
                throw new ImageDecodeException("JPEG data is truncated or corrupt inside a marker segment");
            var segment = d.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xC0 or 0xC1:
                    frame = Frame.Parse(segment);
                    break;
                case 0xCC: // arithmetic conditioning: an arithmetic-coded frame, not walked
                    return;
                case var _ when Jpeg.IsFrameHeader(marker):
                    return; // progressive, lossless or arithmetic: the weaker checks only (see the summary)
                case 0xC4:
                    HuffmanTable.Parse(segment, tables);
                    break;
                case 0xDD:
                    if (segment.Length < 2)
                        throw new ImageDecodeException("JPEG data is corrupt: short restart interval segment");
                    restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case Jpeg.StartOfScan:
                    if (frame is null)
                        throw new ImageDecodeException("JPEG data is corrupt: scan before frame header");
                    pos = WalkScan(d, pos, frame, Scan.Parse(segment, frame, tables), restartInterval);
                    break;
                default:
                    break; // DQT, APPn, COM, ...
            }
        }
    }

    /// <summary>
    /// Decodes the Huffman symbols of every MCU of one scan, one restart interval at a time: each interval's bytes are
    /// first copied out without their FF 00 stuffing, so the walk reads plain bits. Returns where the marker search
    /// resumes (the FF of the marker that ended the scan's data, or the end of the data).
    /// </summary>
    private static int WalkScan(ReadOnlySpan<byte> d, int start, Frame frame, Scan scan, int restartInterval)
    {
        var dc = new List<HuffmanTable>();
        var ac = new List<HuffmanTable>();
        long mcus;
        if (scan.Components.Length == 1)
        {
            var c = frame.Components[scan.Components[0]];
            dc.Add(scan.Dc[0]);
            ac.Add(scan.Ac[0]);
            mcus = (long)DivUp(DivUp(frame.Width * c.H, frame.MaxH), 8) * DivUp(DivUp(frame.Height * c.V, frame.MaxV), 8);
        }
        else
        {
            for (var i = 0; i < scan.Components.Length; i++)
            {
                var c = frame.Components[scan.Components[i]];
                for (var b = 0; b < c.H * c.V; b++)
                {
                    dc.Add(scan.Dc[i]);
                    ac.Add(scan.Ac[i]);
                }
            }
            if (dc.Count > MaxBlocksPerMcu)
                throw new ImageDecodeException("JPEG data is corrupt: more than 10 blocks in an MCU");
            mcus = (long)DivUp(frame.Width, 8 * frame.MaxH) * DivUp(frame.Height, 8 * frame.MaxV);
        }
        var dcTables = dc.ToArray();
        var acTables = ac.ToArray();

        var plain = ArrayPool<byte>.Shared.Rent(d.Length - start + Padding);
        try
        {
            var pos = start;
            long done = 0;
            for (var interval = 0; ; interval++)
            {
                var length = Unstuff(d, pos, plain, out var markerAt);
                plain.AsSpan(length, Padding).Clear();
                var count = restartInterval > 0 ? Math.Min(restartInterval, mcus - done) : mcus - done;
                WalkMcus(plain, 8L * length, count, dcTables, acTables);
                done += count;
                if (done == mcus)
                {
                    foreach (var c in scan.Components)
                        frame.Scanned[c] = true;
                    return markerAt < 0 ? d.Length : markerAt - 1;
                }
                if (markerAt < 0)
                    throw Premature("the data ends before a restart marker");
                var expected = 0xD0 + (interval & 7);
                if (d[markerAt] != expected)
                    throw new ImageDecodeException($"JPEG data is corrupt: expected restart marker FF{expected:X2}, found FF{d[markerAt]:X2}");
                pos = markerAt + 1;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    /// <summary>
    /// Copies entropy-coded bytes from <paramref name="pos"/> into <paramref name="plain"/>, FF 00 (after any FF fill)
    /// becoming FF, up to the next marker; <paramref name="markerAt"/> is that marker's code byte, -1 at the end of data.
    /// </summary>
    private static int Unstuff(ReadOnlySpan<byte> d, int pos, Span<byte> plain, out int markerAt)
    {
        var n = 0;
        while (true)
        {
            var rest = d[pos..];
            var ff = rest.IndexOf((byte)0xFF);
            if (ff < 0)
            {
                rest.CopyTo(plain[n..]);
                markerAt = -1;
                return n + rest.Length;
            }
            rest[..ff].CopyTo(plain[n..]);
            n += ff;
            pos += ff + 1;
            while (pos < d.Length && d[pos] == 0xFF)
                pos++;
            if (pos >= d.Length)
            {
                markerAt = -1;
                return n;
            }
            if (d[pos] != 0)
            {
                markerAt = pos;
                return n;
            }
            plain[n++] = 0xFF;
            pos++;
        }
    }

    /// <summary>
    /// Walks <paramref name="count"/> MCUs over plain bits: per block a DC code and its bits, then AC run/size codes
    /// and their bits up to end-of-block or 63 coefficients. A block that needs bits past <paramref name="endBit"/> is
    /// libjpeg's premature end (its bits there read as the zero padding, which holds more than one block can use).
    /// </summary>
    private static void WalkMcus(byte[] plain, long endBit, long count, HuffmanTable[] dcTables, HuffmanTable[] acTables)
    {
        ref var data = ref MemoryMarshal.GetArrayDataReference(plain);
        // bits: the stream from position `bit` on, `available` of them valid; refilled before a code and its
        // coefficient bits (at most 16 + 15) could run out, so each symbol costs a lookup and a shift.
        long bit = 0;
        var bits = Window(ref data, 0);
        var available = 57;
        for (long mcu = 0; mcu < count; mcu++)
        {
            for (var b = 0; b < dcTables.Length; b++)
            {
                var dc = dcTables[b];
                var entry = dc.Lookup(bits);
                if (entry == 0)
                    entry = dc.DecodeLong(bits, bit, endBit);
                var used = entry >> 8; // the code, then the DC difference's bits
                bits <<= used;
                bit += used;
                available -= used;
                var ac = acTables[b];
                for (var k = 1; k < 64;)
                {
                    if (available < 31)
                    {
                        bits = Window(ref data, bit);
                        available = 57;
                    }
                    entry = ac.Lookup(bits);
                    if (entry == 0)
                        entry = ac.DecodeLong(bits, bit, endBit);
                    used = entry >> 8; // the code, then the coefficient's bits
                    bits <<= used;
                    bit += used;
                    available -= used;
                    var advance = entry & 31;
                    if (advance == 0)
                        break; // end of block
                    k += advance;
                }
                if (bit > endBit)
                    throw Premature("the scan's data ends before the last block of the frame");
                if (available < 31)
                {
                    bits = Window(ref data, bit);
                    available = 57;
                }
            }
        }
    }

    /// <summary>The 64 bits from <paramref name="bit"/> on, most significant first (the buffer is padded past its end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Window(ref byte data, long bit) =>
        BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, (nint)(bit >> 3)))) << (int)(bit & 7);

    /// <summary>The index of the next marker's code byte at or after <paramref name="pos"/> (skipping stray bytes, as libjpeg does), or -1.</summary>
    private static int NextMarker(ReadOnlySpan<byte> d, int pos)
    {
        while (pos < d.Length)
        {
            var ff = d[pos..].IndexOf((byte)0xFF);
            if (ff < 0)
                return -1;
            pos += ff + 1;
            while (pos < d.Length && d[pos] == 0xFF)
                pos++;
            if (pos < d.Length && d[pos] != 0)
                return pos;
        }
        return -1;
    }

    private static int DivUp(int a, int b) => (a + b - 1) / b;

    private static ImageDecodeException Premature(string detail) =>
        new($"JPEG data is corrupt: premature end of data segment ({detail})");

    private sealed class Frame
    {
        public required int Width { get; init; }

        public required int Height { get; init; }

        public required (int Id, int H, int V)[] Components { get; init; }

        public required bool[] Scanned { get; init; }

        public int MaxH { get; private init; }

        public int MaxV { get; private init; }

        public static Frame Parse(ReadOnlySpan<byte> s)
        {
            if (s.Length < 6)
                throw new ImageDecodeException("JPEG frame header is too short");
            var count = s[5];
            if (count == 0 || s.Length < 6 + (3 * count))
                throw new ImageDecodeException("JPEG frame header is corrupt: bad component count");
            var components = new (int Id, int H, int V)[count];
            for (var i = 0; i < count; i++)
            {
                var c = s.Slice(6 + (3 * i), 3);
                int h = c[1] >> 4, v = c[1] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4)
                    throw new ImageDecodeException("JPEG frame header is corrupt: bad sampling factors");
                components[i] = (c[0], h, v);
            }
            return new Frame
            {
                Height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]),
                Width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]),
                Components = components,
                Scanned = new bool[count],
                MaxH = components.Max(c => c.H),
                MaxV = components.Max(c => c.V),
            };
        }
    }

    /// <summary>One scan: the frame components it codes (indices) and each one's DC and AC table.</summary>
    private sealed record Scan(int[] Components, HuffmanTable[] Dc, HuffmanTable[] Ac)
    {
        public static Scan Parse(ReadOnlySpan<byte> s, Frame frame, HuffmanTable?[] defined)
        {
            var count = s.IsEmpty ? 0 : s[0];
            if (count is < 1 or > 4 || s.Length < 1 + (2 * count) + 3)
                throw new ImageDecodeException("JPEG scan header is corrupt: bad component count");
            var components = new int[count];
            var dc = new HuffmanTable[count];
            var ac = new HuffmanTable[count];
            for (var i = 0; i < count; i++)
            {
                var id = s[1 + (2 * i)];
                components[i] = Array.FindIndex(frame.Components, c => c.Id == id);
                if (components[i] < 0)
                    throw new ImageDecodeException($"JPEG scan header is corrupt: no component {id} in the frame");
                int selectors = s[2 + (2 * i)], dcId = selectors >> 4, acId = selectors & 15;
                dc[i] = (dcId < 4 ? defined[dcId] : null) ?? throw new ImageDecodeException($"JPEG data is corrupt: Huffman table DC{dcId} is not defined");
                ac[i] = (acId < 4 ? defined[4 + acId] : null) ?? throw new ImageDecodeException($"JPEG data is corrupt: Huffman table AC{acId} is not defined");
            }
            return new Scan(components, dc, ac);
        }
    }

    /// <summary>A canonical Huffman table (JPEG Annex C): codes up to 10 bits by one lookup, longer ones by length.</summary>
    private sealed class HuffmanTable
    {
        private const int LookupBits = 10;

        /// <summary>
        /// For every 10-bit prefix that starts with a code of 10 bits or fewer, <see cref="Entry"/> of its symbol; 0 otherwise.
        /// </summary>
        private readonly ushort[] _lookup = new ushort[1 << LookupBits];

        /// <summary>The largest code of each length (-1: none); [17] ends the search.</summary>
        private readonly int[] _maxCode = new int[18];

        /// <summary>Per length: the index of its first symbol minus its first code.</summary>
        private readonly int[] _offset = new int[17];

        private readonly byte[] _symbols;

        private HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, bool dc)
        {
            _symbols = symbols.ToArray();
            if (dc && symbols.ContainsAnyInRange((byte)16, (byte)255))
                throw new ImageDecodeException("JPEG data is corrupt: bad Huffman table (DC symbol over 15)");
            int code = 0, k = 0;
            for (var length = 1; length <= 16; length++)
            {
                _offset[length] = k - code;
                for (var i = 0; i < counts[length - 1]; i++, k++, code++)
                {
                    if (length <= LookupBits)
                    {
                        var first = code << (LookupBits - length);
                        _lookup.AsSpan(first, 1 << (LookupBits - length)).Fill((ushort)Entry(length, symbols[k]));
                    }
                }
                _maxCode[length] = counts[length - 1] > 0 ? code - 1 : -1;
                if (code >= 1 << length)
                    throw new ImageDecodeException("JPEG data is corrupt: bad Huffman table (too many codes)");
                code <<= 1;
            }
            _maxCode[17] = int.MaxValue;
        }

        public static void Parse(ReadOnlySpan<byte> s, HuffmanTable?[] tables)
        {
            while (!s.IsEmpty)
            {
                if (s.Length < 17)
                    throw new ImageDecodeException("JPEG data is corrupt: short Huffman table segment");
                int tableClass = s[0] >> 4, id = s[0] & 15;
                var counts = s.Slice(1, 16);
                var total = 0;
                foreach (var c in counts)
                    total += c;
                if (tableClass > 1 || id > 3 || total > 256 || s.Length < 17 + total)
                    throw new ImageDecodeException("JPEG data is corrupt: bad Huffman table");
                tables[(tableClass * 4) + id] = new HuffmanTable(counts, s.Slice(17, total), dc: tableClass == 0);
                s = s[(17 + total)..];
            }
        }

        /// <summary>For a code of 10 bits or fewer at the top of <paramref name="window"/>, its <see cref="Entry"/>; else 0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Lookup(ulong window) =>
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_lookup), (nint)(window >> (64 - LookupBits)));

        /// <summary>A code longer than 10 bits at the top of <paramref name="window"/>, found by length.</summary>
        public int DecodeLong(ulong window, long bit, long endBit)
        {
            var length = LookupBits + 1;
            int code;
            while ((code = (int)(window >> (64 - length))) > _maxCode[length])
                length++;
            if (length > 16)
            {
                throw bit + 16 > endBit
                    ? Premature("a Huffman code runs past the data")
                    : new ImageDecodeException("JPEG data is corrupt: bad Huffman code");
            }
            return Entry(length, _symbols[code + _offset[length]]);
        }

        /// <summary>
        /// (bits used &lt;&lt; 8) | advance: the bits are the code's and the (symbol &amp; 15) value bits after it; the advance
        /// is how many coefficients an AC symbol covers: run + 1 with a value, 16 for ZRL (F0), 0 for any other symbol
        /// without a value, which ends the block as it does in libjpeg. For a DC symbol only the bits count.
        /// </summary>
        private static int Entry(int length, byte symbol)
        {
            int run = symbol >> 4, size = symbol & 15;
            var advance = size != 0 ? run + 1 : run == 15 ? 16 : 0;
            return ((length + size) << 8) | advance;
        }
    }
}
