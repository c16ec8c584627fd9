using Microsoft.Extensions.Logging;

namespace SegLoop.CropBuilder;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Task {TaskId}: {CropCount} crops written ({Crowd} crowd and {TooSmall} too-small skipped), manifest {ManifestKey}")]
    public static partial void CropsWritten(ILogger logger, string taskId, int cropCount, int crowd, int tooSmall, string manifestKey);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Task {TaskId}: instance {InstanceId} skipped ({Reason})")]
    public static partial void InstanceSkipped(ILogger logger, string taskId, string instanceId, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Dataset {Date}: {Selected} of {Available} crops from {Manifests} manifests written under {Prefix}")]
    public static partial void DatasetBuilt(ILogger logger, string date, int selected, int available, int manifests, string prefix);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Nightly dataset build scheduled at {NextRun:o}")]
    public static partial void NightlyScheduled(ILogger logger, DateTimeOffset nextRun);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Nightly dataset build for {Date} failed; the next night tries again")]
    public static partial void NightlyFailed(ILogger logger, Exception exception, string date);
}
