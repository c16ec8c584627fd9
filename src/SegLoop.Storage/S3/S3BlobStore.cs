using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace SegLoop.Storage.S3;

/// <summary>
/// Blobs as objects in one S3 bucket, key for key. Every call runs through a retry pipeline that
/// repeats transient failures only; uploads of <see cref="S3StorageOptions.MultipartThresholdBytes"/> or more
/// go in parts, buffering one part (or the threshold, while deciding) at a time.
/// </summary>
public sealed class S3BlobStore : IBlobStore
{
    private readonly IAmazonS3 _s3;
    private readonly S3StorageOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _bucketGate = new(1, 1);
    private volatile bool _bucketReady;

    public S3BlobStore(IAmazonS3 s3, S3StorageOptions options, ResiliencePipeline pipeline, ILogger<S3BlobStore>? logger = null)
    {
        _s3 = s3 ?? throw new ArgumentNullException(nameof(s3));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _logger = logger ?? NullLogger<S3BlobStore>.Instance;
        _bucketReady = !options.CreateBucketIfMissing;
    }

    public string Bucket => _options.Bucket;

    public async Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);

        // Read up to the threshold; a stream that ends before it is one PutObject, anything else goes in parts.
        var threshold = (int)Math.Min(_options.MultipartThresholdBytes, Array.MaxLength);
        // A stream that knows its length and is small only needs a small buffer (most blobs are JSON documents).
        var headSize = content.CanSeek && content.Length - content.Position < threshold ? (int)(content.Length - content.Position) + 1 : threshold;
        var head = ArrayPool<byte>.Shared.Rent(headSize);
        try
        {
            var headLength = await ReadFullyAsync(content, head.AsMemory(0, headSize), cancellationToken).ConfigureAwait(false);
            if (headLength < headSize)
            {
                await PutSingleAsync(key, head, headLength, contentType, cancellationToken).ConfigureAwait(false);
                return;
            }
            await PutMultipartAsync(key, head, headLength, content, contentType, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The retry covers getting the response; the body then streams straight from the connection.
            var response = await _pipeline.ExecuteAsync(
                async ct => await _s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            throw new BlobNotFoundException(key, e);
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _pipeline.ExecuteAsync(
                async ct => await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            return false;
        }
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = BlobKey.ValidatePrefix(prefix);
        await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, ContinuationToken = continuation };
            var page = await _pipeline.ExecuteAsync(
                async ct => await _s3.ListObjectsV2Async(request, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            // AWSSDK v4 leaves response collections null when empty.
            foreach (var item in page.S3Objects ?? [])
                yield return item.Key;
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _pipeline.ExecuteAsync(
                async ct => await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            // S3 answers 204 for a missing key; some compatible servers answer 404. Either way: gone.
        }
    }

    private async Task PutSingleAsync(string key, byte[] buffer, int length, string? contentType, CancellationToken cancellationToken)
    {
        await _pipeline.ExecuteAsync(async ct =>
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var request = new PutObjectRequest
            {
                BucketName = Bucket,
                Key = key,
                InputStream = body,
                AutoCloseStream = false,
                ContentType = contentType,
                // aws-chunked signing corrupts bodies on s3rver; a plain signed body is exact everywhere.
                UseChunkEncoding = false,
            };
            await _s3.PutObjectAsync(request, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Log.PutObject(_logger, Bucket, key, length);
    }

    private async Task PutMultipartAsync(string key, byte[] head, int headLength, Stream rest, string? contentType, CancellationToken cancellationToken)
    {
        var initiated = await _pipeline.ExecuteAsync(
            async ct => await _s3.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = contentType }, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        var uploadId = initiated.UploadId;
        var parts = new List<PartETag>();
        long total = 0;
        var partSize = _options.PartSizeBytes;
        var part = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            // First the bytes already read while deciding, in part-sized slices; the last slice may be short
            // and is topped up from the stream so that only the object's final part is under PartSizeBytes.
            var offset = 0;
            while (offset < headLength)
            {
                var take = Math.Min(partSize, headLength - offset);
                head.AsSpan(offset, take).CopyTo(part);
                offset += take;
                var length = take;
                if (length < partSize)
                    length += await ReadFullyAsync(rest, part.AsMemory(length, partSize - length), cancellationToken).ConfigureAwait(false);
                total += await UploadPartAsync(key, uploadId, parts, part, length, cancellationToken).ConfigureAwait(false);
            }
            while (true)
            {
                var length = await ReadFullyAsync(rest, part.AsMemory(0, partSize), cancellationToken).ConfigureAwait(false);
                if (length == 0)
                    break;
                total += await UploadPartAsync(key, uploadId, parts, part, length, cancellationToken).ConfigureAwait(false);
                if (length < partSize)
                    break;
            }

            await _pipeline.ExecuteAsync(
                async ct => await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartETags = parts,
                }, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            Log.MultipartUploaded(_logger, Bucket, key, total, parts.Count);
        }
        catch (Exception e)
        {
            Log.MultipartAborting(_logger, e, Bucket, key, uploadId);
            await AbortQuietlyAsync(key, uploadId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(part);
        }
    }

    private async Task<int> UploadPartAsync(string key, string uploadId, List<PartETag> parts, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        var number = parts.Count + 1;
        var response = await _pipeline.ExecuteAsync(async ct =>
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            return await _s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = Bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                PartSize = length,
                InputStream = body,
                UseChunkEncoding = false,
            }, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        parts.Add(new PartETag(number, response.ETag));
        return length;
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled upload must still release its parts.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or IOException or OperationCanceledException)
        {
            Log.AbortFailed(_logger, e, Bucket, key, uploadId);
        }
    }

    private async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_bucketReady)
            return;
        await _bucketGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_bucketReady)
                return;
            await _pipeline.ExecuteAsync(async ct =>
            {
                try
                {
                    await _s3.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = Bucket }, ct).ConfigureAwait(false);
                    return;
                }
                catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                }
                try
                {
                    var request = new PutBucketRequest { BucketName = Bucket };
                    if (!string.Equals(_options.Region, "us-east-1", StringComparison.Ordinal))
                        request.BucketRegionName = _options.Region;
                    await _s3.PutBucketAsync(request, ct).ConfigureAwait(false);
                    Log.BucketCreated(_logger, Bucket);
                }
                catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou")
                {
                }
            }, cancellationToken).ConfigureAwait(false);
            _bucketReady = true;
        }
        finally
        {
            _bucketGate.Release();
        }
    }

    private static bool IsNotFound(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket";

    private static async Task<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }
}
