using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using SegLoop.Storage;

namespace SegLoop.CropBuilder.Tests;

/// <summary>A dictionary behind IBlobStore, keeping the interface's key rules, for tests without S3.</summary>
internal sealed class InMemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, byte[]> Blobs => _blobs;

    public int PutCount { get; private set; }

    public async Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        _blobs[key] = buffer.ToArray();
        PutCount++;
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        return _blobs.TryGetValue(key, out var bytes)
            ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
            : throw new BlobNotFoundException(key);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_blobs.ContainsKey(BlobKey.Validate(key)));

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var key in _blobs.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            yield return key;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _blobs.TryRemove(BlobKey.Validate(key), out _);
        return Task.CompletedTask;
    }
}
