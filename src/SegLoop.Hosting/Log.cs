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

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical, Message = "Consumer watchdog: {Stall}; it has not recovered on its own")]
    public static partial void ConsumerStalled(ILogger logger, string stall);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Consumer watchdog: could not ask the broker about {Subject} ({Error}); trying again next interval")]
    public static partial void WatchdogBrokerUnreachable(ILogger logger, string subject, string error);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "Consumer watchdog: stopping the process with exit code {ExitCode} so that its supervisor starts a fresh one; unacknowledged messages return to their queues")]
    public static partial void ExitingOnStall(ILogger logger, int exitCode);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Consumer watchdog: queue {Queue} holds {Ready} ready message(s), {Consumers} consumer(s) attached")]
    public static partial void WatchdogSample(ILogger logger, string queue, uint ready, uint consumers);
}
