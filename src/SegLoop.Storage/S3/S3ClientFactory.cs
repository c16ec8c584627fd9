using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace SegLoop.Storage.S3;

/// <summary>Builds the <see cref="AmazonS3Client"/> that <see cref="S3StorageOptions"/> describe.</summary>
public static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Polly owns retries (S3RetryPipeline); SDK retries underneath would multiply the attempts.
            MaxErrorRetry = 0,
            // AWSSDK v4 defaults to WHEN_SUPPORTED: it adds CRC32 trailers to every upload and validates
            // response checksums, which S3-compatible servers (moto, s3rver, older MinIO) reject or garble.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        var credentials = StaticCredentials(options);
        // No static credentials: the SDK's standard chain (environment, profile, web identity, instance role).
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <summary>Credentials from AccessKey/SecretKey or their *File variants; null when none are configured.</summary>
    public static BasicAWSCredentials? StaticCredentials(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var access = Read(options.AccessKey, options.AccessKeyFile, nameof(options.AccessKeyFile));
        var secret = Read(options.SecretKey, options.SecretKeyFile, nameof(options.SecretKeyFile));
        if (access is null && secret is null)
            return null;
        if (access is null || secret is null)
            throw new InvalidOperationException("Storage:S3:AccessKey(File) and Storage:S3:SecretKey(File) go together: set both, or neither.");
        return new BasicAWSCredentials(access, secret);
    }

    private static string? Read(string? value, string? file, string fileKey)
    {
        if (!string.IsNullOrEmpty(value))
            return value;
        if (string.IsNullOrEmpty(file))
            return null;
        var text = File.ReadAllText(file).Trim();
        return text.Length > 0 ? text : throw new InvalidOperationException($"Storage:S3:{fileKey} '{file}' is empty.");
    }
}
