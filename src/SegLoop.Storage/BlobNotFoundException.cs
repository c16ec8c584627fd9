namespace SegLoop.Storage;

/// <summary>No blob exists under the key.</summary>
public sealed class BlobNotFoundException(string key, Exception? inner = null)
    : FileNotFoundException($"No blob stored under key '{key}'.", key, inner)
{
    public string Key { get; } = key;
}
