namespace SegLoop.Storage;

/// <summary>Rules every storage key obeys, whatever the backend.</summary>
public static class BlobKey
{
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="InvalidBlobKeyException"/> naming the problem when <paramref name="key"/> is not a safe relative key.</summary>
    public static string Validate(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
            throw new InvalidBlobKeyException(key ?? "", "the key is empty");
        if (key.Length > MaxLength)
            throw new InvalidBlobKeyException(key, $"the key is longer than {MaxLength} characters");
        // S3 counts bytes: a key of 400 CJK characters is 1200 of them.
        if (System.Text.Encoding.UTF8.GetByteCount(key) > MaxLength)
            throw new InvalidBlobKeyException(key, $"the key is longer than {MaxLength} bytes in UTF-8");
        foreach (var c in key)
        {
            if (char.IsControl(c))
                throw new InvalidBlobKeyException(key, $"the key holds control character U+{(int)c:X4}");
        }
        if (key[0] == '/' || key[0] == '\\' || (key.Length > 1 && key[1] == ':'))
            throw new InvalidBlobKeyException(key, "absolute paths are not keys");
        if (key.Contains('\\'))
            throw new InvalidBlobKeyException(key, "backslashes are not allowed; use '/' between segments");
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0)
                throw new InvalidBlobKeyException(key, "the key has an empty segment ('//' or a trailing '/')");
            if (segment is "." or "..")
                throw new InvalidBlobKeyException(key, $"'{segment}' segments are not allowed (path traversal)");
        }
        return key;
    }

    /// <summary>
    /// Throws <see cref="InvalidBlobKeyException"/> when no valid key could start with <paramref name="prefix"/>
    /// (traversal, absolute path, control characters, backslashes). The empty prefix lists everything.
    /// </summary>
    public static string ValidatePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
            return "";
        try
        {
            // A prefix is usable when the shortest key that extends it is a valid key.
            Validate(prefix + "x");
        }
        catch (InvalidBlobKeyException e)
        {
            throw new InvalidBlobKeyException(prefix, e.Problem.Replace("the key", "the prefix", StringComparison.Ordinal));
        }
        return prefix;
    }

    /// <summary>Joins segments with '/', validating the result.</summary>
    public static string Combine(params string[] segments) => Validate(string.Join('/', segments));
}
