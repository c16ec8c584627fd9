using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Polly;
using Polly.Retry;

namespace SegLoop.Storage.S3;

/// <summary>The retry pipeline around every S3 call: exponential backoff with jitter, transient errors only.</summary>
public static class S3RetryPipeline
{
    /// <summary>Key under which <see cref="StorageServiceCollectionExtensions.AddBlobStore"/> registers the pipeline.</summary>
    public const string Key = "segloop-s3";

    private static readonly HashSet<string> TransientErrorCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
        "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable", "Busy",
    };

    public static ResiliencePipeline Create(S3StorageOptions options, TimeProvider timeProvider, Action<OnRetryArguments<object>>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider, Name = Key };
        if (options.MaxRetryAttempts == 0)
            return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = TimeSpan.FromSeconds(30),
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && !args.Context.CancellationToken.IsCancellationRequested && IsTransient(e)),
            OnRetry = args =>
            {
                onRetry?.Invoke(args);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    /// <summary>
    /// True for failures that may pass on a retry: 5xx, 429 and throttling codes, request timeouts,
    /// network errors. False for everything else, notably 4xx answers such as NoSuchKey or AccessDenied.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        if (exception is AmazonServiceException service)
        {
            if (service.ErrorCode is { } code && TransientErrorCodes.Contains(code))
                return true;
            var status = (int)service.StatusCode;
            if (status >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests || service.StatusCode == HttpStatusCode.RequestTimeout)
                return true;
            // A definite answer from the server (any other 4xx) is final.
            if (status >= 400)
                return false;
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case FileNotFoundException or DirectoryNotFoundException or InvalidBlobKeyException:
                    return false;
                case HttpRequestException or SocketException or TimeoutException or IOException:
                    return true;
                // HttpClient's own timeout surfaces as TaskCanceledException; the caller's cancellation is excluded by the pipeline.
                case TaskCanceledException:
                    return true;
            }
        }
        return false;
    }
}
