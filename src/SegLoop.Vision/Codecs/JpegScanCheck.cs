using System.Buffers.Binary;
using System.Runtime.CompilerServices;

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

    /// <summary>Decodes the Huffman symbols of every MCU of one scan; returns the position where its entropy-coded data ends.</summary>
    private static int WalkScan(ReadOnlySpan<byte> d, int start, Frame frame, Scan scan, int restartInterval)
    {
        var reader = new BitReader(d, start);
        Span<int> dc = stackalloc int[MaxBlocksPerMcu];
        Span<int> ac = stackalloc int[MaxBlocksPerMcu];
        int blocksPerMcu;
        long mcus;
        if (scan.Components.Length == 1)
        {
            var c = frame.Components[scan.Components[0]];
            blocksPerMcu = 1;
            dc[0] = scan.Dc[0];
            ac[0] = scan.Ac[0];
            var width = DivUp(DivUp(frame.Width * c.H, frame.MaxH), 8);
            var height = DivUp(DivUp(frame.Height * c.V, frame.MaxV), 8);
            mcus = (long)width * height;
        }
        else
        {
            blocksPerMcu = 0;
            for (var i = 0; i < scan.Components.Length; i++)
            {
                var c = frame.Components[scan.Components[i]];
                for (var b = 0; b < c.H * c.V; b++)
                {
                    if (blocksPerMcu == MaxBlocksPerMcu)
                        throw new ImageDecodeException("JPEG data is corrupt: more than 10 blocks in an MCU");
                    dc[blocksPerMcu] = scan.Dc[i];
                    ac[blocksPerMcu] = scan.Ac[i];
                    blocksPerMcu++;
                }
            }
            mcus = (long)DivUp(frame.Width, 8 * frame.MaxH) * DivUp(frame.Height, 8 * frame.MaxV);
        }

        var tables = scan.Tables;
        var restartsSeen = 0;
        for (long mcu = 0; mcu < mcus; mcu++)
        {
            if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0)
                reader.Restart(restartsSeen++);
            for (var b = 0; b < blocksPerMcu; b++)
            {
                var s = reader.Decode(tables[dc[b]]);
                reader.Skip(s);
                var acTable = tables[ac[b]];
                for (var k = 1; k < 64; k++)
                {
                    var rs = reader.Decode(acTable);
                    var size = rs & 15;
                    if (size != 0)
                    {
                        k += rs >> 4;
                        reader.Skip(size);
                    }
                    else
                    {
                        if (rs >> 4 != 15)
                            break; // end of block
                        k += 15;
                    }
                }
            }
        }
        foreach (var c in scan.Components)
            frame.Scanned[c] = true;
        return reader.EndOfSegment();
    }

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

    /// <summary>One scan: the frame components it codes (indices) and each one's DC and AC table (indices into <see cref="Tables"/>).</summary>
    private sealed record Scan(int[] Components, int[] Dc, int[] Ac, HuffmanTable[] Tables)
    {
        public static Scan Parse(ReadOnlySpan<byte> s, Frame frame, HuffmanTable?[] defined)
        {
            var count = s.IsEmpty ? 0 : s[0];
            if (count is < 1 or > 4 || s.Length < 1 + (2 * count) + 3)
                throw new ImageDecodeException("JPEG scan header is corrupt: bad component count");
            var components = new int[count];
            var dc = new int[count];
            var ac = new int[count];
            var tables = new HuffmanTable[8];
            for (var i = 0; i < count; i++)
            {
                var id = s[1 + (2 * i)];
                components[i] = Array.FindIndex(frame.Components, c => c.Id == id);
                if (components[i] < 0)
                    throw new ImageDecodeException($"JPEG scan header is corrupt: no component {id} in the frame");
                var selectors = s[2 + (2 * i)];
                dc[i] = (selectors >> 4) & 3;
                ac[i] = 4 + (selectors & 3);
                tables[dc[i]] = defined[dc[i]] ?? throw new ImageDecodeException($"JPEG data is corrupt: Huffman table DC{dc[i]} is not defined");
                tables[ac[i]] = defined[ac[i]] ?? throw new ImageDecodeException($"JPEG data is corrupt: Huffman table AC{ac[i] - 4} is not defined");
            }
            return new Scan(components, dc, ac, tables);
        }
    }

    /// <summary>A canonical Huffman table (JPEG Annex C): codes up to 9 bits by one lookup, longer ones by length.</summary>
    private sealed class HuffmanTable
    {
        public const int LookupBits = 9;

        /// <summary>(code length &lt;&lt; 8) | symbol for every 9-bit prefix that starts with a code of 9 bits or fewer; 0 otherwise.</summary>
        public readonly ushort[] Lookup = new ushort[1 << LookupBits];

        /// <summary>The largest code of each length (-1: none); [17] ends the search.</summary>
        public readonly int[] MaxCode = new int[18];

        /// <summary>Per length: the index of its first symbol minus its first code.</summary>
        public readonly int[] Offset = new int[17];

        public readonly byte[] Symbols;

        private HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, bool dc)
        {
            Symbols = symbols.ToArray();
            if (dc && symbols.ContainsAnyInRange((byte)16, (byte)255))
                throw new ImageDecodeException("JPEG data is corrupt: bad Huffman table (DC symbol over 15)");
            int code = 0, k = 0;
            for (var length = 1; length <= 16; length++)
            {
                Offset[length] = k - code;
                for (var i = 0; i < counts[length - 1]; i++, k++, code++)
                {
                    if (length <= LookupBits)
                    {
                        var first = code << (LookupBits - length);
                        Lookup.AsSpan(first, 1 << (LookupBits - length)).Fill((ushort)((length << 8) | symbols[k]));
                    }
                }
                MaxCode[length] = counts[length - 1] > 0 ? code - 1 : -1;
                if (code >= 1 << length)
                    throw new ImageDecodeException("JPEG data is corrupt: bad Huffman table (too many codes)");
                code <<= 1;
            }
            MaxCode[17] = int.MaxValue;
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
    }

    /// <summary>
    /// Reads entropy-coded bits MSB first, unstuffing FF 00. At a marker (or the end of the data) it stops loading; a
    /// code or coefficient that needs bits past it is the premature end libjpeg warns about, here an error.
    /// </summary>
    private ref struct BitReader(ReadOnlySpan<byte> data, int pos)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos = pos;
        private ulong _buffer;
        private int _bits; // valid bits, from the top of _buffer
        private bool _atMarker;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Decode(HuffmanTable table)
        {
            if (_bits < 32 && !_atMarker)
                Fill();
            var entry = table.Lookup[(int)(_buffer >> (64 - HuffmanTable.LookupBits))];
            int length, symbol;
            if (entry != 0)
            {
                length = entry >> 8;
                symbol = entry & 0xFF;
            }
            else
            {
                (length, symbol) = DecodeLong(table);
            }
            if (length > _bits)
                throw Premature("a Huffman code runs past the data");
            _buffer <<= length;
            _bits -= length;
            return symbol;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Skip(int count)
        {
            if (count > _bits)
                throw Premature("coefficient bits run past the data");
            _buffer <<= count;
            _bits -= count;
        }

        /// <summary>Drops the bits left of the interval and expects restart marker RSTn, n = <paramref name="index"/> mod 8.</summary>
        public void Restart(int index)
        {
            var at = NextMarker(_data, _pos);
            if (at < 0)
                throw Premature("the data ends before a restart marker");
            var expected = 0xD0 + (index & 7);
            if (_data[at] != expected)
                throw new ImageDecodeException($"JPEG data is corrupt: expected restart marker FF{expected:X2}, found FF{_data[at]:X2}");
            _pos = at + 1;
            _buffer = 0;
            _bits = 0;
            _atMarker = false;
        }

        /// <summary>Where the marker search resumes after the scan's last MCU (the rest of the loaded bits are padding).</summary>
        public readonly int EndOfSegment() => _pos;

        private readonly (int Length, int Symbol) DecodeLong(HuffmanTable table)
        {
            var length = HuffmanTable.LookupBits + 1;
            int code;
            while ((code = (int)(_buffer >> (64 - length))) > table.MaxCode[length])
                length++;
            if (length > 16)
            {
                throw _atMarker && _bits < 16
                    ? Premature("a Huffman code runs past the data")
                    : new ImageDecodeException("JPEG data is corrupt: bad Huffman code");
            }
            return (length, table.Symbols[code + table.Offset[length]]);
        }

        private void Fill()
        {
            var data = _data;
            while (_bits <= 56)
            {
                if (_pos >= data.Length)
                {
                    _atMarker = true;
                    return;
                }
                var b = data[_pos];
                if (b != 0xFF)
                {
                    _pos++;
                }
                else
                {
                    var next = _pos + 1;
                    while (next < data.Length && data[next] == 0xFF)
                        next++;
                    if (next >= data.Length || data[next] != 0)
                    {
                        _atMarker = true; // _pos stays on the marker's first FF
                        return;
                    }
                    _pos = next + 1; // FF 00: a data byte FF
                }
                _buffer |= (ulong)b << (56 - _bits);
                _bits += 8;
            }
        }
    }
}
