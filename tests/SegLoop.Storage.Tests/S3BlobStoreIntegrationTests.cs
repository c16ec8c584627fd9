using System.Security.Cryptography;
using System.Text;
using Amazon.S3.Model;
using SegLoop.Storage.S3;

namespace SegLoop.Storage.Tests;

/// <summary>Against the real S3 API server of the test rig (moto_server or s3rver).</summary>
public sealed class S3BlobStoreIntegrationTests(S3Fixture s3) : IClassFixture<S3Fixture>
{
    private readonly S3BlobStore _store = s3.Store;

    [Fact]
    public async Task PutAsync_SmallText_RoundTripsByteExact()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"task\":\"t-1\",\"ok\":true}\n");
        await _store.PutBytesAsync("small/doc.json", bytes, "application/json");

        Assert.Equal(bytes, await _store.GetBytesAsync("small/doc.json"));
        Assert.True(await _store.ExistsAsync("small/doc.json"));
    }

    [Fact]
    public async Task PutAsync_EmptyObject_RoundTripsAsEmpty()
    {
        await _store.PutBytesAsync("empty/zero", ReadOnlyMemory<byte>.Empty);

        Assert.Empty(await _store.GetBytesAsync("empty/zero"));
        Assert.True(await _store.ExistsAsync("empty/zero"));
    }

    [Fact]
    public async Task PutAsync_AllByteValuesAndOddKey_RoundTripsByteExact()
    {
        // Every byte value, CR/LF pairs and a trailing NUL: anything that text handling or aws-chunked framing would mangle.
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\r\n\r\n0\r\n\0"u8.ToArray()).Concat(RandomBytes(100_003, 3)).ToArray();
        const string Key = "binary/img 001 ünï+%20(1).bin";
        await _store.PutBytesAsync(Key, bytes, "application/octet-stream");

        Assert.Equal(bytes, await _store.GetBytesAsync(Key));
        Assert.Contains(Key, await ToListAsync(_store.ListAsync("binary/")));
    }

    [Fact]
    public async Task PutAsync_20MegabytesFromNonSeekableStream_UsesMultipartAndRoundTripsByteExact()
    {
        var bytes = RandomBytes(20 * 1000 * 1000, 20);
        await _store.PutAsync("large/20mb.bin", new TrickleStream(bytes));

        var metadata = await s3.Client.GetObjectMetadataAsync(s3.Options.Bucket, "large/20mb.bin");
        // A multipart object's ETag is md5-of-part-md5s followed by "-<part count>": 20 MB in 5 MiB parts is 4 parts.
        Assert.EndsWith("-4\"", metadata.ETag, StringComparison.Ordinal);
        Assert.Equal(bytes.LongLength, metadata.ContentLength);

        var stored = await _store.GetBytesAsync("large/20mb.bin");
        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)), Convert.ToHexString(SHA256.HashData(stored)));
    }

    [Fact]
    public async Task PutAsync_BelowThreshold_UsesOneRequest()
    {
        var bytes = RandomBytes(6 * 1024 * 1024, 6);
        await _store.PutBytesAsync("large/6mib.bin", bytes);

        var metadata = await s3.Client.GetObjectMetadataAsync(s3.Options.Bucket, "large/6mib.bin");
        Assert.DoesNotContain("-", metadata.ETag, StringComparison.Ordinal);
        Assert.Equal(bytes, await _store.GetBytesAsync("large/6mib.bin"));
    }

    [Fact]
    public async Task PutAsync_SourceFailsDuringMultipart_AbortsUploadAndStoresNothing()
    {
        var source = new TrickleStream(RandomBytes(30 * 1024 * 1024, 30), failAfter: 12 * 1024 * 1024);

        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync("aborted/big.bin", source));

        Assert.False(await _store.ExistsAsync("aborted/big.bin"));
        var uploads = await s3.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = s3.Options.Bucket, Prefix = "aborted/" });
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ReplacesBytes()
    {
        await _store.PutBytesAsync("over/k", "first version"u8.ToArray());
        await _store.PutBytesAsync("over/k", "second"u8.ToArray());

        Assert.Equal("second"u8.ToArray(), await _store.GetBytesAsync("over/k"));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyKeysUnderItInOrder()
    {
        foreach (var key in new[] { "list/b/2", "list/a/1", "list/a/0", "list/ab", "listing/x" })
            await _store.PutBytesAsync(key, "x"u8.ToArray());

        Assert.Equal(["list/a/0", "list/a/1"], await ToListAsync(_store.ListAsync("list/a/")));
        Assert.Equal(["list/a/0", "list/a/1", "list/ab", "list/b/2"], await ToListAsync(_store.ListAsync("list/")));
        Assert.Empty(await ToListAsync(_store.ListAsync("list/none/")));
    }

    [Fact]
    public async Task ListAsync_MoreThanOnePage_FollowsContinuation()
    {
        var keys = Enumerable.Range(0, 1005).Select(i => $"paged/{i:D5}").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (key, ct) => await _store.PutBytesAsync(key, "x"u8.ToArray(), cancellationToken: ct));

        Assert.Equal(keys, await ToListAsync(_store.ListAsync("paged/")));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovesIt()
    {
        await _store.PutBytesAsync("del/k", "x"u8.ToArray());

        await _store.DeleteAsync("del/k");

        Assert.False(await _store.ExistsAsync("del/k"));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("del/k"));
        await _store.DeleteAsync("del/k"); // deleting a missing key is not an error
    }

    [Fact]
    public async Task OpenReadAsync_NoSuchKey_ThrowsBlobNotFound()
    {
        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("missing/nothing.json"));

        Assert.Equal("missing/nothing.json", error.Key);
        Assert.False(await _store.ExistsAsync("missing/nothing.json"));
    }

    [Fact]
    public async Task OpenReadAsync_NoSuchKey_BaseExceptionIsBlobNotFoundWithS3AnswerInside()
    {
        // MassTransit writes exception.GetBaseException() into the error queue's MT-Fault-ExceptionType/-Message headers;
        // without the override that was the SDK's innermost Amazon.Runtime.Internal.HttpErrorResponseException.
        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.GetBytesAsync("missing/payload.json"));

        Assert.Same(error, error.GetBaseException());
        Assert.Contains("missing/payload.json", error.GetBaseException().Message, StringComparison.Ordinal);
        var s3 = Assert.IsAssignableFrom<Amazon.S3.AmazonS3Exception>(error.InnerException);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, s3.StatusCode);
        Assert.Equal("NoSuchKey", s3.ErrorCode);
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("ok/../../escape.json")]
    [InlineData("/absolute.json")]
    public async Task PutAsync_TraversalKey_RejectedBeforeAnyRequest(string key)
    {
        // A client pointed at a closed port: if the store sent anything, the error would be a network one.
        var offline = new S3BlobStore(new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("a", "b"),
                new Amazon.S3.AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true, MaxErrorRetry = 0 }),
            s3.Options, Polly.ResiliencePipeline.Empty);

        var error = await Assert.ThrowsAsync<InvalidBlobKeyException>(() => offline.PutBytesAsync(key, "x"u8.ToArray()));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidBlobKeyException>(() => _store.OpenReadAsync(key));
        Assert.Empty(await ToListAsync(_store.ListAsync("escape")));
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<string> items)
    {
        var list = new List<string>();
        await foreach (var item in items)
            list.Add(item);
        return list;
    }
}
