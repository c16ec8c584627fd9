using System.ComponentModel.DataAnnotations;

namespace SegLoop.Storage.S3;

/// <summary>Settings of the S3 store, section <c>Storage:S3</c>.</summary>
public sealed class S3StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage:S3";
    public const int MinPartSizeBytes = 5 * 1024 * 1024;

    /// <summary>Bucket that holds the blobs.</summary>
    [Required(ErrorMessage = "Storage:S3:Bucket is required when Storage:Kind is S3.")]
    public string Bucket { get; set; } = "";

    /// <summary>Endpoint of an S3-compatible server (MinIO, moto, s3rver); empty for AWS itself.</summary>
    [Url(ErrorMessage = "Storage:S3:ServiceUrl must be an absolute http(s) URL.")]
    public string? ServiceUrl { get; set; }

    [Required(ErrorMessage = "Storage:S3:Region is required.")]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Address buckets as <c>{endpoint}/{bucket}</c> instead of <c>{bucket}.{endpoint}</c>; most S3-compatible servers need it.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Static credentials; when neither these nor the *File ones are set, the SDK's standard chain is used (AWS_ACCESS_KEY_ID, profiles, IRSA, instance roles).</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Files holding the access key / secret key (e.g. a mounted Kubernetes secret); surrounding whitespace is ignored.</summary>
    public string? AccessKeyFile { get; set; }

    public string? SecretKeyFile { get; set; }

    /// <summary>Objects of this size or larger are uploaded in parts; smaller ones in one request.</summary>
    [Range(MinPartSizeBytes, 1024L * 1024 * 1024, ErrorMessage = "Storage:S3:MultipartThresholdBytes must be between 5 MiB (5242880) and 1 GiB.")]
    public long MultipartThresholdBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Size of each part of a multipart upload (S3 allows 5 MiB to 5 GiB); one part is buffered at a time.</summary>
    [Range(MinPartSizeBytes, 1024 * 1024 * 1024, ErrorMessage = "Storage:S3:PartSizeBytes must be between 5 MiB (5242880) and 1 GiB.")]
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Create the bucket on first use when it does not exist (development and tests).</summary>
    public bool CreateBucketIfMissing { get; set; }

    /// <summary>The same endpoint, credentials and retry settings for another bucket, which is never created.</summary>
    public S3StorageOptions ForBucket(string bucket)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        var copy = (S3StorageOptions)MemberwiseClone();
        copy.Bucket = bucket;
        copy.CreateBucketIfMissing = false;
        return copy;
    }

    /// <summary>Retries after the first attempt on transient errors (5xx, throttling, timeouts, network errors).</summary>
    [Range(0, 20, ErrorMessage = "Storage:S3:MaxRetryAttempts must be between 0 and 20.")]
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Base delay of the exponential, jittered backoff between retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Storage:S3:RetryBaseDelay must be between 00:00:00 and 00:01:00.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(AccessKey) && !string.IsNullOrEmpty(AccessKeyFile))
            yield return new("Set Storage:S3:AccessKey or Storage:S3:AccessKeyFile, not both.", [nameof(AccessKey)]);
        if (!string.IsNullOrEmpty(SecretKey) && !string.IsNullOrEmpty(SecretKeyFile))
            yield return new("Set Storage:S3:SecretKey or Storage:S3:SecretKeyFile, not both.", [nameof(SecretKey)]);
        var hasAccess = !string.IsNullOrEmpty(AccessKey) || !string.IsNullOrEmpty(AccessKeyFile);
        var hasSecret = !string.IsNullOrEmpty(SecretKey) || !string.IsNullOrEmpty(SecretKeyFile);
        if (hasAccess != hasSecret)
            yield return new("Storage:S3:AccessKey(File) and Storage:S3:SecretKey(File) go together: set both, or neither to use the standard AWS credential chain.",
                [hasAccess ? nameof(SecretKey) : nameof(AccessKey)]);
        foreach (var (name, path) in new[] { (nameof(AccessKeyFile), AccessKeyFile), (nameof(SecretKeyFile), SecretKeyFile) })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
                yield return new($"Storage:S3:{name} names '{path}', which does not exist.", [name]);
        }
        if (MultipartThresholdBytes < PartSizeBytes)
            yield return new("Storage:S3:MultipartThresholdBytes must be at least Storage:S3:PartSizeBytes.", [nameof(MultipartThresholdBytes)]);
        if (ServiceUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            yield return new("Storage:S3:ServiceUrl must be an absolute http(s) URL.", [nameof(ServiceUrl)]);
    }
}
