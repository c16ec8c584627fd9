namespace SegLoop.Storage.Tests;

/// <summary>GetBytesAsync reads seekable blobs (files) into one exact array and others by copying; RentBytesAsync reads into pooled arrays; PutBytesAsync stores the slice it is given.</summary>
public sealed class BlobStoreExtensionsTests
{
    private static readonly byte[] Payload = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public async Task GetBytesAsync_NonSeekableStream_ReadsEverything()
    {
        var store = new OneStreamStore(new TrickleStream(Payload));
        Assert.Equal(Payload, await store.GetBytesAsync("k"));
    }

    [Fact]
    public async Task GetBytesAsync_SeekableStream_ReadsFromItsPositionToTheEnd()
    {
        var stream = new MemoryStream(Payload) { Position = 1000 };
        var store = new OneStreamStore(stream);
        Assert.Equal(Payload[1000..], await store.GetBytesAsync("k"));
    }

    [Fact]
    public async Task RentBytesAsync_NonSeekableStreamLongerThanTheFirstBuffer_ReadsEverything()
    {
        var store = new OneStreamStore(new TrickleStream(Payload));
        using var rented = await store.RentBytesAsync("k");
        Assert.Equal(Payload, rented.Span.ToArray());
    }

    [Fact]
    public async Task RentBytesAsync_SeekableStream_ReadsFromItsPositionToTheEnd()
    {
        var store = new OneStreamStore(new MemoryStream(Payload) { Position = 1000 });
        using var rented = await store.RentBytesAsync("k");
        Assert.Equal(Payload[1000..], rented.Memory.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RentBytesAsync_EmptyBlob_IsEmpty(bool seekable)
    {
        var store = new OneStreamStore(seekable ? new MemoryStream() : new TrickleStream([]));
        using var rented = await store.RentBytesAsync("k");
        Assert.Equal(0, rented.Length);
    }

    [Fact]
    public async Task RentBytesAsync_Disposed_RefusesToHandOutTheReturnedArray()
    {
        var store = new OneStreamStore(new MemoryStream(Payload));
        var rented = await store.RentBytesAsync("k");
        rented.Dispose();
        rented.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => rented.Span.Length);
    }

    [Fact]
    public async Task PutBytesAsync_ArraySlice_StoresExactlyTheSlice()
    {
        var store = new OneStreamStore(Stream.Null);
        await store.PutBytesAsync("k", Payload.AsMemory(10, 500));
        Assert.Equal(Payload[10..510], store.Written);
    }

    private sealed class OneStreamStore(Stream stream) : IBlobStore
    {
        public byte[]? Written { get; private set; }

        public async Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
        {
            using var copy = new MemoryStream();
            await content.CopyToAsync(copy, cancellationToken);
            Written = copy.ToArray();
        }

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(stream);

        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(true);

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<string>();

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
