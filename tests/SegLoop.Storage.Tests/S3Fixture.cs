using Amazon.S3;
using Polly;
using SegLoop.Storage.S3;
using SegLoop.Testing;

namespace SegLoop.Storage.Tests;

/// <summary>A bucket of its own on the rig's S3 API server for one test class. Without the rig it throws, so the tests fail.</summary>
public sealed class S3Fixture : IDisposable
{
    public S3Fixture()
    {
        Options = new S3StorageOptions
        {
            Bucket = $"segloop-test-{Guid.NewGuid():N}"[..40],
            ServiceUrl = Rig.S3Endpoint.ToString(),
            ForcePathStyle = true,
            AccessKey = "segloop-test",
            SecretKey = "segloop-test-secret",
            CreateBucketIfMissing = true,
            MultipartThresholdBytes = 8 * 1024 * 1024,
            PartSizeBytes = S3StorageOptions.MinPartSizeBytes,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        };
        Client = S3ClientFactory.Create(Options);
        Store = new S3BlobStore(Client, Options, S3RetryPipeline.Create(Options, TimeProvider.System));
    }

    public S3StorageOptions Options { get; }

    /// <summary>A plain client for looking behind the store (ETags, multipart uploads in flight).</summary>
    public IAmazonS3 Client { get; }

    public S3BlobStore Store { get; }

    public void Dispose() => Client.Dispose();
}
