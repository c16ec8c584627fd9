using SegLoop.Storage;

namespace SegLoop.Ingest;

/// <summary>Images in a local folder; names are relative keys that stay under the folder.</summary>
public sealed class FolderImageSource(string root) : IImageSource
{
    private readonly string _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    public string Description => _root;

    public async Task<byte[]> ReadAsync(string name, long maxBytes, CancellationToken cancellationToken)
    {
        BlobKey.Validate(name);
        var path = Path.GetFullPath(Path.Combine(_root, name));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidBlobKeyException(name, "the name resolves outside the image folder");
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"No image '{name}' in {_root}.", path);
        if (info.Length > maxBytes)
            throw new ImageBytesLimitException(info.Length, maxBytes);
        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Images in a blob store under a prefix (s3://bucket/prefix sources).</summary>
public sealed class BlobImageSource(IBlobStore store, string prefix, string description) : IImageSource
{
    public string Description => description;

    public async Task<byte[]> ReadAsync(string name, long maxBytes, CancellationToken cancellationToken)
    {
        var key = prefix.Length == 0 ? name : prefix.TrimEnd('/') + "/" + name;
        BlobKey.Validate(name);
        await using var stream = await store.OpenReadAsync(BlobKey.Validate(key), cancellationToken).ConfigureAwait(false);
        return await ImageBytes.ReadLimitedAsync(stream, maxBytes, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The encoded image is larger than Ingest:MaxImageBytes.</summary>
public sealed class ImageBytesLimitException(long? actual, long limit)
    : IOException(actual is { } a ? $"The image is {a} bytes; at most {limit} are read (Ingest:MaxImageBytes)." : $"The image is over {limit} bytes (Ingest:MaxImageBytes).");

internal static class ImageBytes
{
    public static async Task<byte[]> ReadLimitedAsync(Stream stream, long maxBytes, CancellationToken cancellationToken)
    {
        // A file says its length: one over the limit is refused without reading a byte of it.
        if (stream.CanSeek && stream.Length - stream.Position > maxBytes)
            throw new ImageBytesLimitException(stream.Length - stream.Position, maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new ImageBytesLimitException(null, maxBytes);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
