namespace SegLoop.Storage;

/// <summary>
/// A flat key/value store of immutable blobs: S3 in production, a local folder in the embedded default.
/// Every key passes <see cref="BlobKey.Validate"/>; writes to the same key replace the bytes, so
/// consumers that write under deterministic keys are idempotent by construction.
/// </summary>
public interface IBlobStore
{
    /// <summary>Writes <paramref name="content"/> under <paramref name="key"/>, replacing what was there.</summary>
    Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default);

    /// <summary>Opens the blob for reading. Throws <see cref="BlobNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Keys under <paramref name="prefix"/> (a key prefix, not necessarily a folder), in ordinal order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; deleting a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
