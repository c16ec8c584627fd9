using Microsoft.Extensions.Logging;

namespace SegLoop.Inference;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Model {Model} version {Version} loaded (sha256 {Sha256}, {Kind})")]
    public static partial void ModelLoaded(ILogger logger, string model, string version, string sha256, string kind);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Model {Model} swapped from version {OldVersion} to {NewVersion}; the old one is released after its last batch")]
    public static partial void ModelSwapped(ILogger logger, string model, string oldVersion, string newVersion);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Inference:DefaultModel {Model} has no promoted version to load at start; requests naming no model will fail until one is promoted")]
    public static partial void WarmupNoPromotedVersion(ILogger logger, string model);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Inference:DefaultModel {Model} could not be loaded at start; the first request will try again")]
    public static partial void WarmupFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Request {RequestId} on {ImageKey}: {PromptCount} masks from {Model} {Version} in {Milliseconds:F1} ms")]
    public static partial void RequestCompleted(ILogger logger, string requestId, string imageKey, int promptCount, string model, string version, double milliseconds);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Request {RequestId} on {ImageKey} failed ({Code}): {Reason}")]
    public static partial void RequestFailed(ILogger logger, string requestId, string imageKey, string code, string reason);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "A batch of {Count} crops on {Model} failed; running its crops one by one to isolate the failure")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string model, int count);
}
