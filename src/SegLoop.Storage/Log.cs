using Microsoft.Extensions.Logging;

namespace SegLoop.Storage;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Put {Bucket}/{Key} ({Bytes} bytes) in one request")]
    public static partial void PutObject(ILogger logger, string bucket, string key, long bytes);

    [LoggerMessage(2, LogLevel.Information, "Uploaded {Bucket}/{Key} ({Bytes} bytes) in {Parts} parts")]
    public static partial void MultipartUploaded(ILogger logger, string bucket, string key, long bytes, int parts);

    [LoggerMessage(3, LogLevel.Warning, "Multipart upload {UploadId} of {Bucket}/{Key} failed; aborting it")]
    public static partial void MultipartAborting(ILogger logger, Exception exception, string bucket, string key, string uploadId);

    [LoggerMessage(4, LogLevel.Warning, "Could not abort multipart upload {UploadId} of {Bucket}/{Key}; a bucket lifecycle rule must clean it up")]
    public static partial void AbortFailed(ILogger logger, Exception exception, string bucket, string key, string uploadId);

    [LoggerMessage(5, LogLevel.Information, "Created bucket {Bucket}")]
    public static partial void BucketCreated(ILogger logger, string bucket);

    [LoggerMessage(6, LogLevel.Warning, "S3 call failed transiently ({Error}); retry {Attempt} in {Delay}")]
    public static partial void Retrying(ILogger logger, string error, int attempt, TimeSpan delay);
}
