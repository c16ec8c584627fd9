using Microsoft.Extensions.Logging;

namespace SegLoop.Hosting;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{ServiceName} telemetry: OTLP export to {Endpoint}")]
    public static partial void OtlpEnabled(ILogger logger, string serviceName, string endpoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{ServiceName} telemetry: no OTLP endpoint set, traces and metrics stay in process")]
    public static partial void OtlpDisabled(ILogger logger, string serviceName);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Bus transport {Transport} ({Address})")]
    public static partial void BusTransport(ILogger logger, string transport, string address);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Bus:RabbitMq:Password is RabbitMQ's default development password for broker host {Host}: set Bus__RabbitMq__Username and Bus__RabbitMq__Password (or PasswordFile) from a secret")]
    public static partial void DefaultRabbitMqPassword(ILogger logger, string host);
}
