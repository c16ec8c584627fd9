using System.Text.Json;
using SegLoop.Testing;
using SegLoop.Vision.Coco;

namespace SegLoop.Vision.Tests.Coco;

/// <summary>Every vector in ../shared/data/rle-vectors.json, in every direction the vector defines.</summary>
public sealed class RleVectorTests
{
    private static readonly Lazy<JsonElement[]> Vectors = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.RleVectors));
        return [.. doc.RootElement.GetProperty("vectors").EnumerateArray().Select(v => v.Clone())];
    });

    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        foreach (var v in Vectors.Value)
            data.Add(v.GetProperty("name").GetString()!);
        return data;
    }

    [Fact]
    public void VectorFile_HasTheTenDocumentedVectors()
    {
        Assert.Equal(10, Vectors.Value.Length);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Vector_EveryDefinedDirection_MatchesPycocotools(string name)
    {
        var v = Vectors.Value.Single(e => e.GetProperty("name").GetString() == name);
        var size = v.GetProperty("size");
        int h = size[0].GetInt32(), w = size[1].GetInt32();
        var checkedSomething = false;

        uint[]? counts = v.TryGetProperty("counts", out var c) ? [.. c.EnumerateArray().Select(x => x.GetUInt32())] : null;
        byte[]? mask = v.TryGetProperty("mask", out var m)
            ? [.. m.EnumerateArray().SelectMany(row => row.EnumerateArray().Select(x => (byte)x.GetInt32()))]
            : null;
        var text = v.TryGetProperty("string", out var s) ? s.GetString() : null;

        if (mask is not null)
        {
            Assert.Equal(h * w, mask.Length);
            var encoded = RleMask.Encode(mask, h, w);
            if (counts is not null)
                Assert.Equal(counts, encoded.Counts.ToArray());
            Assert.Equal(mask, encoded.Decode());
            Assert.Equal(PixelReference.Area(mask), encoded.Area);
            checkedSomething = true;
        }
        if (counts is not null)
        {
            var rle = new RleMask(h, w, counts);
            if (mask is not null)
                Assert.Equal(mask, rle.Decode());
            var roundTrip = RleMask.FromCompressedString(h, w, rle.ToCompressedString());
            Assert.Equal(counts, roundTrip.Counts.ToArray());
            if (text is not null)
            {
                Assert.Equal(text, rle.ToCompressedString());
                Assert.Equal(counts, RleMask.FromCompressedString(h, w, text).Counts.ToArray());
            }
            if (v.TryGetProperty("bbox", out var bbox))
                Assert.Equal(bbox.EnumerateArray().Select(x => x.GetDouble()).ToArray(), rle.Bbox.ToArray());
            checkedSomething = true;
        }
        if (counts is null && text is not null)
        {
            // Only a string: decode it, check the derived figures, and check it survives a string round trip.
            var rle = RleMask.FromCompressedString(h, w, text);
            Assert.Equal(text, rle.ToCompressedString());
            if (v.TryGetProperty("derived_counts_len", out var len))
                Assert.Equal(len.GetInt32(), rle.Counts.Length);
            if (v.TryGetProperty("derived_area", out var area))
                Assert.Equal(area.GetInt64(), rle.Area);
            if (v.TryGetProperty("derived_bbox", out var box))
                Assert.Equal(box.EnumerateArray().Select(x => x.GetDouble()).ToArray(), rle.Bbox.ToArray());

            var decoded = rle.Decode();
            Assert.Equal(rle.Area, PixelReference.Area(decoded));
            Assert.Equal(PixelReference.Box(decoded, h, w), rle.Bbox);
            var reEncoded = RleMask.Encode(decoded, h, w);
            Assert.Equal(rle.Bbox, reEncoded.Bbox);
            Assert.Equal(rle.Area, reEncoded.Area);
            Assert.Equal(decoded, reEncoded.Decode());
            checkedSomething = true;
        }
        Assert.True(checkedSomething, $"vector {name} defines nothing this test knows how to check");
    }

    [Fact]
    public void ZeroLeadingVector_ReEncodedDecodedMask_GivesADifferentStringButTheSameBox()
    {
        var v = Vectors.Value.Single(e => e.GetProperty("name").GetString() == "zero_leading_rle_1350x1080");
        var rle = RleMask.FromCompressedString(1350, 1080, v.GetProperty("string").GetString()!);
        Assert.Equal([0u, 0u, 0u], rle.Counts[..3].ToArray());

        var reEncoded = RleMask.Encode(rle.Decode(), 1350, 1080);

        Assert.NotEqual(rle.ToCompressedString(), reEncoded.ToCompressedString());
        Assert.Equal(new RleBox(0, 0, 331, 776), reEncoded.Bbox);
        Assert.Equal(rle.Bbox, reEncoded.Bbox);
    }
}
