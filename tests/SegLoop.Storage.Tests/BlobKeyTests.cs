namespace SegLoop.Storage.Tests;

public sealed class BlobKeyTests
{
    public static TheoryData<string?, string> BadKeys => new()
    {
        { null, "empty" },
        { "", "empty" },
        { "   ", "empty" },
        { "..", "path traversal" },
        { "a/../b", "path traversal" },
        { "../etc/passwd", "path traversal" },
        { "a/./b", "path traversal" },
        { "/x", "absolute" },
        { "/etc/passwd", "absolute" },
        { "C:\\x", "absolute" },
        { "C:x", "absolute" },
        { "\\\\server\\share", "absolute" },
        { "a\\b", "backslashes" },
        { "a\u0000b", "control character U+0000" },
        { "a\nb", "control character U+000A" },
        { "a\u007Fb", "control character U+007F" },
        { "a//b", "empty segment" },
        { "a/", "empty segment" },
        { new string('k', BlobKey.MaxLength + 1), "longer than" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void Validate_BadKey_ThrowsNamingTheProblem(string? key, string problem)
    {
        var error = Assert.Throws<InvalidBlobKeyException>(() => BlobKey.Validate(key));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid storage key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ControlCharacter_MessageShowsItEscaped()
    {
        var error = Assert.Throws<InvalidBlobKeyException>(() => BlobKey.Validate("a\nb"));
        Assert.Contains("'a\\u000Ab'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("tasks/t-1/annotation.json")]
    [InlineData("images/2024/01/img 001.png")]
    [InlineData(".hidden/..dots/x..y")]
    [InlineData("ünïcödé/日本語.png")]
    [InlineData("urn:segloop:x")]
    public void Validate_GoodKey_ReturnsIt(string key) => Assert.Equal(key, BlobKey.Validate(key));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("tasks/")]
    [InlineData("tasks/t-")]
    [InlineData("a/.")]
    public void ValidatePrefix_GoodPrefix_ReturnsIt(string? prefix) => Assert.Equal(prefix ?? "", BlobKey.ValidatePrefix(prefix));

    [Theory]
    [InlineData("../", "path traversal")]
    [InlineData("/", "absolute")]
    [InlineData("a//", "empty segment")]
    [InlineData("a\\", "backslashes")]
    public void ValidatePrefix_BadPrefix_ThrowsNamingTheProblem(string prefix, string problem)
    {
        var error = Assert.Throws<InvalidBlobKeyException>(() => BlobKey.ValidatePrefix(prefix));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{prefix}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_Segments_JoinsWithSlashAndValidates()
    {
        Assert.Equal("a/b/c.json", BlobKey.Combine("a", "b", "c.json"));
        Assert.Throws<InvalidBlobKeyException>(() => BlobKey.Combine("a", "..", "c"));
    }

    [Fact]
    public void Validate_UnderLimitInCharactersButOverInUtf8Bytes_Throws()
    {
        var key = "images/" + new string('東', 400);
        Assert.True(key.Length <= BlobKey.MaxLength);
        var error = Assert.Throws<InvalidBlobKeyException>(() => BlobKey.Validate(key));
        Assert.Contains("bytes in UTF-8", error.Message, StringComparison.Ordinal);
    }
}
