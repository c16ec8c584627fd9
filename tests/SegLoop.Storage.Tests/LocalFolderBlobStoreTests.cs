using System.Text;
using SegLoop.Storage.Local;

namespace SegLoop.Storage.Tests;

public sealed class LocalFolderBlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "segloop-storage-tests", Guid.NewGuid().ToString("N"));
    private readonly LocalFolderBlobStore _store;

    public LocalFolderBlobStoreTests() => _store = new LocalFolderBlobStore(Path.Combine(_root, "store"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task PutAsync_ThenGet_ReturnsSameBytes()
    {
        var bytes = new byte[70_000];
        new Random(7).NextBytes(bytes);
        await _store.PutBytesAsync("images/a/b.bin", bytes);

        Assert.Equal(bytes, await _store.GetBytesAsync("images/a/b.bin"));
        Assert.True(File.Exists(Path.Combine(_root, "store", "images", "a", "b.bin")));
    }

    [Fact]
    public async Task PutAsync_EmptyStream_StoresEmptyBlob()
    {
        await _store.PutBytesAsync("empty", ReadOnlyMemory<byte>.Empty);
        Assert.Empty(await _store.GetBytesAsync("empty"));
        Assert.True(await _store.ExistsAsync("empty"));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ReplacesBytesAndLeavesNoTempFiles()
    {
        await _store.PutBytesAsync("k/doc.json", Encoding.UTF8.GetBytes("first, longer content"));
        await _store.PutBytesAsync("k/doc.json", Encoding.UTF8.GetBytes("second"));

        Assert.Equal("second", Encoding.UTF8.GetString(await _store.GetBytesAsync("k/doc.json")));
        Assert.Equal(["doc.json"], Directory.GetFiles(Path.Combine(_store.Root, "k")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task PutAsync_SourceFailsMidway_KeepsOldBytesAndRemovesTempFile()
    {
        await _store.PutBytesAsync("k/doc", "old"u8.ToArray());

        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync("k/doc", new TrickleStream(new byte[100_000], failAfter: 65_537)));

        Assert.Equal("old", Encoding.UTF8.GetString(await _store.GetBytesAsync("k/doc")));
        Assert.Equal(["doc"], Directory.GetFiles(Path.Combine(_store.Root, "k")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task OpenReadAsync_WhileOverwritten_ReaderKeepsTheBytesItOpened()
    {
        await _store.PutBytesAsync("k", "version-1"u8.ToArray());
        await using var reader = await _store.OpenReadAsync("k");

        await _store.PutBytesAsync("k", "version-2"u8.ToArray());

        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy);
        Assert.Equal("version-1", Encoding.UTF8.GetString(copy.ToArray()));
        Assert.Equal("version-2", Encoding.UTF8.GetString(await _store.GetBytesAsync("k")));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsMatchingKeysInOrdinalOrderWithSlashes()
    {
        foreach (var key in new[] { "b/2", "a/x/1", "a/X/0", "a/y", "ab", "a-z", "c" })
            await _store.PutBytesAsync(key, "x"u8.ToArray());

        Assert.Equal(["a-z", "a/X/0", "a/x/1", "a/y", "ab", "b/2", "c"], await ToListAsync(_store.ListAsync("")));
        Assert.Equal(["a/X/0", "a/x/1", "a/y"], await ToListAsync(_store.ListAsync("a/")));
        Assert.Equal(["a-z", "a/X/0", "a/x/1", "a/y", "ab"], await ToListAsync(_store.ListAsync("a")));
        Assert.Equal(["a/x/1"], await ToListAsync(_store.ListAsync("a/x")));
        Assert.Empty(await ToListAsync(_store.ListAsync("zzz/")));
    }

    [Fact]
    public async Task ListAsync_KeysWithDotSegments_ListedLikeAnyOther()
    {
        // On Linux .NET treats dot-files as hidden and skips them by default; S3 has no such notion, so neither may this.
        foreach (var key in new[] { ".keep", "d/.hidden/x", "d/y" })
            await _store.PutBytesAsync(key, "x"u8.ToArray());

        Assert.Equal([".keep", "d/.hidden/x", "d/y"], await ToListAsync(_store.ListAsync("")));
    }

    [Fact]
    public async Task ListAsync_DuringWrite_SkipsTempFiles()
    {
        await _store.PutBytesAsync("k/done", "x"u8.ToArray());
        await File.WriteAllTextAsync(Path.Combine(_store.Root, "k", ".other." + Guid.NewGuid().ToString("N") + LocalFolderBlobStore.PartialSuffix), "half");

        Assert.Equal(["k/done"], await ToListAsync(_store.ListAsync("k/")));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovesBlobAndEmptyFolders()
    {
        await _store.PutBytesAsync("d/e/f", "x"u8.ToArray());
        await _store.PutBytesAsync("d/keep", "x"u8.ToArray());

        await _store.DeleteAsync("d/e/f");

        Assert.False(await _store.ExistsAsync("d/e/f"));
        Assert.False(Directory.Exists(Path.Combine(_store.Root, "d", "e")));
        Assert.True(await _store.ExistsAsync("d/keep"));
        Assert.True(Directory.Exists(_store.Root));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_DoesNotThrow()
    {
        await _store.DeleteAsync("never/was");
        await _store.DeleteAsync("never");
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ThrowsBlobNotFound()
    {
        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("missing/key.json"));
        Assert.Equal("missing/key.json", error.Key);
        Assert.Contains("missing/key.json", error.Message, StringComparison.Ordinal);
        Assert.False(await _store.ExistsAsync("missing/key.json"));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    [InlineData("/tmp/outside")]
    [InlineData("a\\..\\..\\outside")]
    public async Task PutAsync_TraversalKey_ThrowsAndWritesNothingOutsideRoot(string key)
    {
        var error = await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.PutBytesAsync(key, "x"u8.ToArray()));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "outside")));
        Assert.Equal(["store"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.OpenReadAsync(key));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.DeleteAsync(key));
    }

    [Fact]
    public void PathOf_ReservedTempSuffix_Throws()
    {
        var error = Assert.Throws<InvalidBlobKeyException>(() => _store.PathOf("a" + LocalFolderBlobStore.PartialSuffix));
        Assert.Contains("reserved", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_ConcurrentWritersSameKey_EndWithOneCompleteVersion()
    {
        var versions = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)i, 200_000).ToArray()).ToArray();
        await Task.WhenAll(versions.Select(v => Task.Run(() => _store.PutBytesAsync("same", v))));

        var stored = await _store.GetBytesAsync("same");
        Assert.Contains(versions, v => v.AsSpan().SequenceEqual(stored));
    }

    [Fact]
    public async Task Keys_ThroughSymlinkToOutsideRoot_RefusedForReadWriteExistsAndDelete()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "secret");
        Directory.CreateSymbolicLink(Path.Combine(_store.Root, "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(_store.Root, "file-escape"), Path.Combine(outside, "secret.txt"));

        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.OpenReadAsync("escape/secret.txt"));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.OpenReadAsync("file-escape"));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.PutBytesAsync("escape/new.txt", "x"u8.ToArray()));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.PutBytesAsync("escape/secret.txt", "overwritten"u8.ToArray()));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.ExistsAsync("escape/secret.txt"));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.DeleteAsync("escape/secret.txt"));
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => ToListAsync(_store.ListAsync("escape/")));

        Assert.Equal("secret", await File.ReadAllTextAsync(Path.Combine(outside, "secret.txt")));
        Assert.Equal(["secret.txt"], Directory.GetFiles(outside).Select(Path.GetFileName));
        Assert.DoesNotContain(await ToListAsync(_store.ListAsync("")), k => k.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keys_ThroughSymlinkInsideRoot_StillServed()
    {
        await _store.PutBytesAsync("real/a.txt", "a"u8.ToArray());
        Directory.CreateSymbolicLink(Path.Combine(_store.Root, "alias"), Path.Combine(_store.Root, "real"));

        Assert.Equal("a", Encoding.UTF8.GetString(await _store.GetBytesAsync("alias/a.txt")));
    }

    [Fact]
    public async Task OpenReadAsync_KeyOfAFolder_ThrowsBlobNotFound()
    {
        await _store.PutBytesAsync("folder/inside.txt", "x"u8.ToArray());
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("folder"));
    }

    [Fact]
    public async Task Keys_SegmentOver255Bytes_RefusedAsInvalidKeys()
    {
        var key = "images/" + new string('a', 300) + ".png";
        var error = await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.OpenReadAsync(key));
        Assert.Contains("255 bytes", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.PutBytesAsync(key, "x"u8.ToArray()));
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<string> items)
    {
        var list = new List<string>();
        await foreach (var item in items)
            list.Add(item);
        return list;
    }
}
