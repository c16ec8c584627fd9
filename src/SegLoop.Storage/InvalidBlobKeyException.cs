namespace SegLoop.Storage;

/// <summary>A storage key broke the key rules; the message names the key and the rule.</summary>
public sealed class InvalidBlobKeyException(string key, string problem)
    : ArgumentException($"Invalid storage key '{Printable(key)}': {problem}.")
{
    public string Key { get; } = key;

    /// <summary>The rule the key broke, without the key.</summary>
    public string Problem { get; } = problem;

    private static string Printable(string key) =>
        string.Concat(key.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
}
