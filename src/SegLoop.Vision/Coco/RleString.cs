namespace SegLoop.Vision.Coco;

/// <summary>
/// pycocotools' compressed counts string: each count (after the third, as a delta against the count two
/// before it) in little-endian 5-bit chunks, 0x20 marking "more chunks follow", bit 0x10 of the last chunk the
/// sign, each chunk written as the character 48 + value (so '0'..'o').
/// </summary>
internal static class RleString
{
    private const int MaxChunks = 7; // 35 bits: enough for any delta between two uint counts.

    public static string Encode(ReadOnlySpan<uint> counts)
    {
        var text = new System.Text.StringBuilder(counts.Length * 2);
        for (var i = 0; i < counts.Length; i++)
        {
            long x = counts[i];
            if (i > 2)
                x -= counts[i - 2];
            var more = true;
            while (more)
            {
                var c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more)
                    c |= 0x20;
                text.Append((char)(c + 48));
            }
        }
        return text.ToString();
    }

    public static uint[] Decode(string text)
    {
        var counts = new List<uint>(text.Length);
        var p = 0;
        while (p < text.Length)
        {
            var start = p;
            long x = 0;
            var k = 0;
            var more = true;
            while (more)
            {
                if (p >= text.Length)
                    throw new CocoMaskException($"RLE counts string ends inside a count (count {counts.Count} starts at character {start} and its last chunk says more follow).");
                if (k == MaxChunks)
                    throw new CocoMaskException($"RLE counts string overflows: count {counts.Count} at character {start} runs past {MaxChunks} chunks, more than any 32-bit count needs.");
                var ch = text[p];
                if (ch < 48 || ch > 111)
                    throw new CocoMaskException($"RLE counts string has the character '{ch}' (U+{(int)ch:X4}) at position {p}; only '0'..'o' (48..111) are valid.");
                var c = ch - 48;
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0)
                    x |= -1L << (5 * k);
            }
            if (counts.Count > 2)
                x += counts[^2];
            if (x < 0)
                throw new CocoMaskException($"RLE counts string gives count {counts.Count} (at character {start}) the negative value {x}.");
            if (x > uint.MaxValue)
                throw new CocoMaskException($"RLE counts string gives count {counts.Count} (at character {start}) the value {x}, beyond a 32-bit count.");
            counts.Add((uint)x);
        }
        return [.. counts];
    }
}
