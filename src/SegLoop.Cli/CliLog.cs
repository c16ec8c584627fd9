using Microsoft.Extensions.Logging;

namespace SegLoop.Cli;

internal static partial class CliLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "segloop run: data in {DataRoot}; services: {Services}")]
    public static partial void Started(ILogger logger, string dataRoot, string services);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "bus → published {MessageType} {Message}")]
    public static partial void Published(ILogger logger, string messageType, string message);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "bus ← consumed {MessageType} on {Endpoint}")]
    public static partial void Consumed(ILogger logger, string messageType, string endpoint);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "bus ✗ {MessageType} failed on {Endpoint}")]
    public static partial void ConsumeFailed(ILogger logger, Exception exception, string messageType, string endpoint);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "bus ✗ publishing {MessageType} failed")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string messageType);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "loop idle: {Published} published, {Consumed} consumed, {Faulted} faulted")]
    public static partial void Idle(ILogger logger, int published, int consumed, int faulted);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "demo input: {ImageKey} and {AnnotationKey}")]
    public static partial void DemoWritten(ILogger logger, string imageKey, string annotationKey);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "pre-annotation model (when a request names none): {Model}")]
    public static partial void PreAnnotationModel(ILogger logger, string model);
}
