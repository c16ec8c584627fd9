using Microsoft.Extensions.Logging;

namespace SegLoop.Ingest;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Ingested task {TaskId} of {Customer}/{Project}: {InstanceCount} instances in {DocumentKey}")]
    public static partial void TaskIngested(ILogger logger, string taskId, string customer, string project, int instanceCount, string documentKey);

    [LoggerMessage(2, LogLevel.Information, "Rejected task {TaskId} from {EntryPoint}: {Codes}")]
    public static partial void TaskRejected(ILogger logger, string taskId, string entryPoint, string codes);

    [LoggerMessage(3, LogLevel.Information, "Webhook accepted task {TaskId} of {Customer}/{Project} as {PayloadKey}")]
    public static partial void WebhookAccepted(ILogger logger, string taskId, string customer, string project, string payloadKey);

    [LoggerMessage(4, LogLevel.Warning, "Webhook refused a request from {Remote}: {Reason}")]
    public static partial void WebhookUnauthorized(ILogger logger, string? remote, string reason);

    [LoggerMessage(5, LogLevel.Information, "Webhook answered {Status} to a bad body: {Codes}")]
    public static partial void WebhookBadRequest(ILogger logger, int status, string codes);

    [LoggerMessage(6, LogLevel.Error, "Webhook answers 503: {Problem}")]
    public static partial void WebhookSecretUnreadable(ILogger logger, string problem);

    [LoggerMessage(7, LogLevel.Error, "Webhook answers 503: the task could not be stored or published")]
    public static partial void WebhookUnavailable(ILogger logger, Exception exception);
}
