using SegLoop.Annotations;
using SegLoop.Storage;

namespace SegLoop.Ingest.Tests;

/// <summary>The one key mapping: safe names kept, every other name one-to-one through a hash of the name.</summary>
public sealed class AnnotationKeysTests
{
    [Theory]
    [InlineData("x_y")]
    [InlineData("acme")]
    [InlineData("Acme-Roads.v2")]
    [InlineData("000000001234")]
    [InlineData(".hidden")]
    public void Segment_SafeName_KeptAsItIs(string name) => Assert.Equal(name, AnnotationKeys.Segment(name));

    [Theory]
    [InlineData("x y", "x_y")]
    [InlineData("globex inc", "globex_inc")]
    [InlineData("a/x.jpg", "a_x.jpg")]
    [InlineData("東京", "__")]
    [InlineData("..", null)]
    public void Segment_ReplacedCharacters_DifferFromTheSafeSpellingAndCarryAHash(string name, string? safe)
    {
        if (safe is null)
        {
            Assert.Throws<InvalidBlobKeyException>(() => AnnotationKeys.Segment(name));
            return;
        }
        var segment = AnnotationKeys.Segment(name);
        Assert.NotEqual(AnnotationKeys.Segment(safe), segment);
        Assert.StartsWith(safe + "-", segment, StringComparison.Ordinal);
        Assert.Equal(safe.Length + 1 + AnnotationKeys.HashLength, segment.Length);
        Assert.Matches("^[A-Za-z0-9._-]+$", segment);
    }

    [Fact]
    public void Segment_TwoCjkIds_TwoSegments()
    {
        // Both map every character to '_'; only the hash tells them apart.
        Assert.NotEqual(AnnotationKeys.Segment("東京"), AnnotationKeys.Segment("大阪"));
        Assert.NotEqual(AnnotationKeys.Segment("任务-1"), AnnotationKeys.Segment("任務-1"));
    }

    [Fact]
    public void Segment_SameName_SameSegmentEveryTime() =>
        Assert.Equal(AnnotationKeys.Segment("x y 東京"), AnnotationKeys.Segment("x y 東京"));

    [Fact]
    public void Segment_Case_Kept() => Assert.NotEqual(AnnotationKeys.Segment("Acme"), AnnotationKeys.Segment("acme"));

    [Fact]
    public void Segment_SurroundingWhitespace_IsNotPartOfTheName() =>
        Assert.Equal(AnnotationKeys.Segment("acme"), AnnotationKeys.Segment("  acme "));

    [Fact]
    public void Segment_SafeNameThatLooksHashed_GetsAHashOfItsOwn()
    {
        // Otherwise a customer could name a task exactly what "x y" maps to.
        var hashed = AnnotationKeys.Segment("x y");
        Assert.NotEqual(hashed, AnnotationKeys.Segment(hashed));
    }

    [Fact]
    public void Segment_LongNames_CutToTheLimitAndStillDistinct()
    {
        var a = new string('a', 300);
        var b = new string('a', 299) + "b";
        Assert.Equal(AnnotationKeys.MaxSegmentLength, AnnotationKeys.Segment(a).Length);
        Assert.NotEqual(AnnotationKeys.Segment(a), AnnotationKeys.Segment(b));
        Assert.Equal(new string('a', AnnotationKeys.MaxSegmentLength), AnnotationKeys.Segment(new string('a', AnnotationKeys.MaxSegmentLength)));
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("a/../b")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    public void Segment_PathTraversal_StaysOneSegment(string name)
    {
        var segment = AnnotationKeys.Segment(name);
        Assert.DoesNotContain('/', segment);
        Assert.DoesNotContain('\\', segment);
        Assert.NotEqual("..", segment);
        BlobKey.Validate("images/" + segment + "/x.png");
    }

    [Fact]
    public void Ingested_CustomersDifferingOnlyInReplacedCharacters_DistinctKeys()
    {
        Assert.NotEqual(AnnotationKeys.Ingested("globex inc", "p", "t"), AnnotationKeys.Ingested("globex_inc", "p", "t"));
        Assert.Equal("annotations/ingested/globex_inc/p/t.json", AnnotationKeys.Ingested("globex_inc", "p", "t"));
    }

    [Theory]
    [InlineData("images/acme/roads/t.png", "acme")]
    [InlineData("annotations/ingested/acme/roads/t.json", "acme")]
    [InlineData("annotations/normalized/v1/acme/roads/t.json", "acme")]
    [InlineData("uploads/acme/t.png", null)]
    [InlineData("images/x.png", null)]
    public void CustomerSegmentOf_KnownLayouts_NameTheCustomer(string key, string? customer) =>
        Assert.Equal(customer, AnnotationKeys.CustomerSegmentOf(key));

    [Fact]
    public void Compound_PartsThatJoinAlike_DistinctSegments()
    {
        Assert.Equal("acme-roads-t1-7", AnnotationKeys.Compound("acme", "roads", "t1", "7"));
        Assert.NotEqual(AnnotationKeys.Compound("a-b", "c", "t", "1"), AnnotationKeys.Compound("a", "b-c", "t", "1"));
        Assert.NotEqual(AnnotationKeys.Compound("a b", "c", "t", "1"), AnnotationKeys.Compound("a_b", "c", "t", "1"));
        var hashed = AnnotationKeys.Compound("a-b", "c", "t", "1");
        Assert.NotEqual(hashed, AnnotationKeys.Compound(hashed));
        Assert.True(AnnotationKeys.Compound(new string('x', 90), "p", "t", "1").Length <= AnnotationKeys.MaxSegmentLength);
    }
}
