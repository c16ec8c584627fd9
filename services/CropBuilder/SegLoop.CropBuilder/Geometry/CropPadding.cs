using System.Security.Cryptography;
using System.Text;
using SegLoop.Vision;

namespace SegLoop.CropBuilder.Geometry;

/// <summary>
/// Padding drawn uniformly from [min, max) per side, seeded by a stable id: SHA-256 of the id's UTF-8 bytes seeds a
/// SplitMix64 generator (both fixed algorithms, unlike <see cref="Random"/>), so the same id always gets the same padding.
/// </summary>
public static class CropPadding
{
    /// <summary>Fractions for left, top, right, bottom, in that draw order, each in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public static PaddingFractions Draw(string id, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!(min >= 0) || !(max >= min) || double.IsInfinity(max))
            throw new ArgumentOutOfRangeException(nameof(min), $"padding range [{min}, {max}] must have 0 <= min <= max");
        var rng = new SplitMix64(Seed(id));
        double Next() => min + (rng.NextUnit() * (max - min));
        var left = Next();
        var top = Next();
        var right = Next();
        var bottom = Next();
        return new PaddingFractions(left, top, right, bottom);
    }

    /// <summary>The first eight bytes of SHA-256(UTF-8 <paramref name="id"/>), little-endian.</summary>
    public static ulong Seed(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(id), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    /// <summary>A number in [0, 1) from the first eight bytes of SHA-256(UTF-8 <paramref name="id"/>): a stable hash for splits and sampling.</summary>
    public static double UnitHash(string id) => (Seed(id) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Steele, Lea and Flood's SplitMix64: tiny, fixed, well mixed.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double NextUnit() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
