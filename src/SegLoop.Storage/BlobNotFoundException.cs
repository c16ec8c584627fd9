namespace SegLoop.Storage;

/// <summary>No blob exists under the key.</summary>
/// <remarks>
/// The store's own error (S3's 404 answer, the missing file) stays in <see cref="Exception.InnerException"/> for logs,
/// but the missing blob is the root cause: <see cref="GetBaseException"/> returns this exception, so whoever reports
/// the base exception (MassTransit's <c>MT-Fault-ExceptionType</c> and <c>MT-Fault-Message</c> headers on the error
/// queue) names the key instead of the SDK's innermost HTTP exception.
/// </remarks>
public sealed class BlobNotFoundException(string key, Exception? inner = null)
    : FileNotFoundException($"No blob stored under key '{key}'.", key, inner)
{
    public string Key { get; } = key;

    public override Exception GetBaseException() => this;
}
