using Microsoft.Extensions.Logging;

namespace SegLoop.Taxonomy;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Taxonomy {Version} loaded from {Source} ({ClassCount} classes)")]
    public static partial void TaxonomyLoaded(ILogger logger, string version, string source, int classCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Taxonomy file {Path} could not be reloaded; keeping version {Version}")]
    public static partial void TaxonomyReloadFailed(ILogger logger, Exception exception, string path, string version);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Taxonomy {Version}: {Problem}")]
    public static partial void TaxonomyWarning(ILogger logger, string version, TaxonomyProblem problem);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information,
        Message = "Task {TaskId} of {Customer}/{Project} normalized with taxonomy {Version}: {Kept} kept, {Background} background, {NotApproved} not approved, {Unmapped} unmapped")]
    public static partial void TaskNormalized(ILogger logger, string taskId, string customer, string project, string version,
        int kept, int background, int notApproved, int unmapped);
}
