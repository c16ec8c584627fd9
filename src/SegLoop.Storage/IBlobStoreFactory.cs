using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using SegLoop.Storage.S3;

namespace SegLoop.Storage;

/// <summary>
/// Stores other than the configured one, for callers that read from a customer's bucket (a bulk import's
/// <c>--images s3://bucket/prefix</c>): the Storage:S3 endpoint, credentials and retries, another bucket.
/// </summary>
public interface IBlobStoreFactory
{
    /// <summary>A read-mostly store over <paramref name="bucket"/>; the bucket is never created.</summary>
    IBlobStore ForS3Bucket(string bucket);
}

internal sealed class BlobStoreFactory(IAmazonS3 s3, IOptions<S3StorageOptions> options,
    [FromKeyedServices(S3RetryPipeline.Key)] ResiliencePipeline retry, ILogger<S3BlobStore> logger)
    : IBlobStoreFactory
{
    public IBlobStore ForS3Bucket(string bucket) => new S3BlobStore(s3, options.Value.ForBucket(bucket), retry, logger);
}
