namespace SegLoop.Cli.Errors;

/// <summary>An error-queue operation could not be done; the message says what and why. Nothing was lost.</summary>
public sealed class ErrorQueueException : Exception
{
    public ErrorQueueException(string message) : base(message) { }

    public ErrorQueueException(string message, Exception innerException) : base(message, innerException) { }
}
