using Microsoft.Extensions.Logging;

namespace SegLoop.ActiveLearning;

internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Ranking {RequestId}: {Ranked} images ranked, {Failed} left out, by {Model} {Version} with {Passes} passes")]
    public static partial void RankingCompleted(ILogger logger, string requestId, int ranked, int failed, string model, string version, int passes);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Ranking {RequestId} failed ({Code}): {Reason}")]
    public static partial void RankingFailed(ILogger logger, string requestId, string code, string reason);
}
