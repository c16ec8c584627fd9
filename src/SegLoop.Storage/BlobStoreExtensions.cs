using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SegLoop.Storage;

public static class BlobStoreExtensions
{
    public static async Task PutBytesAsync(this IBlobStore store, string key, ReadOnlyMemory<byte> bytes,
        string? contentType = null, CancellationToken cancellationToken = default)
    {
        // The caller's array as it is when there is one: no copy of the payload.
        using var stream = MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        await store.PutAsync(key, stream, contentType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The blob's bytes in a pooled array, for bytes used briefly (an image decoded once): a worker reading an image
    /// per message would otherwise put one large-object-heap array per message on the GC (images over 85,000 bytes
    /// go there, and only full collections reclaim it). Dispose the result to return the array.
    /// </summary>
    public static async Task<RentedBytes> RentBytesAsync(this IBlobStore store, string key, CancellationToken cancellationToken = default)
    {
        var pool = ArrayPool<byte>.Shared;
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using var streamDisposal = stream.ConfigureAwait(false);
        if (stream.CanSeek)
        {
            var length = checked((int)(stream.Length - stream.Position));
            var array = pool.Rent(length);
            try
            {
                await stream.ReadExactlyAsync(array.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                return new RentedBytes(array, length);
            }
            catch
            {
                pool.Return(array);
                throw;
            }
        }
        var buffer = pool.Rent(81920);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var bigger = pool.Rent(checked(buffer.Length * 2));
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    pool.Return(buffer);
                    buffer = bigger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    return new RentedBytes(buffer, filled);
                filled += read;
            }
        }
        catch
        {
            pool.Return(buffer);
            throw;
        }
    }

    public static async Task<byte[]> GetBytesAsync(this IBlobStore store, string key, CancellationToken cancellationToken = default)
    {
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using var streamDisposal = stream.ConfigureAwait(false);
        if (stream.CanSeek)
        {
            // A file: its length is known, so one array of that size is read into (a growing MemoryStream and its
            // final copy allocate about three times the blob).
            var bytes = new byte[stream.Length - stream.Position];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public static Task PutJsonAsync<T>(this IBlobStore store, string key, T value, JsonSerializerOptions? options = null,
        CancellationToken cancellationToken = default) =>
        store.PutBytesAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, options ?? JsonDefaults.Options), "application/json", cancellationToken);

    public static async Task<T> GetJsonAsync<T>(this IBlobStore store, string key, JsonSerializerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var bytes = await store.GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize<T>(bytes, options ?? JsonDefaults.Options)
               ?? throw new InvalidDataException($"Blob '{key}' holds JSON null, expected {typeof(T).Name}.");
    }
}
