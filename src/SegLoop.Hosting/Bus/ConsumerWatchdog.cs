using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace SegLoop.Hosting;

/// <summary>
/// Watches, from the broker's side, that every receive endpoint of this process keeps consuming. MassTransit reconnects
/// after a broker restart, but a receive endpoint can come back without its consumer, or with every delivery slot held by
/// a call that never returns, while the bus still reports itself healthy (upstream reports: MassTransit #5692 and #6095,
/// RabbitMQ .NET client #1928 and #1930). Every <c>Bus:Watchdog:Interval</c> it asks RabbitMQ, on a connection of its
/// own, how many messages wait in each of the process's queues and how many consumers are attached; a queue that holds
/// messages for <c>Bus:Watchdog:StallAfter</c> while no consumer is attached or no delivery finishes is a stall, and the
/// <see cref="IConsumerStallHandler"/> acts (by default: log it and exit non-zero, so that Kubernetes or compose start a
/// fresh process, whose bus connects anew; unacknowledged messages go back to the queue, nothing is lost). So is a bus
/// that stays not ready (its health Unhealthy, <c>/healthz/ready</c> failing) that long while the broker answers: a start
/// or a reconnect that never finished leaves a process up, unready and consuming nothing, with no probe to restart it.
/// </summary>
public sealed class ConsumerWatchdog(
    IOptions<BusOptions> options,
    IBusControl bus,
    EndpointActivity activity,
    IConsumerStallHandler handler,
    TimeProvider time,
    ILogger<ConsumerWatchdog> logger) : BackgroundService
{
    private IConnection? _connection;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watchdog = options.Value.Watchdog;
        if (!watchdog.Enabled)
            return; // registered only for the RabbitMQ transport (AddSegLoopBus)
        var detector = new ConsumerStallDetector(watchdog.StallAfter);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(watchdog.Interval, time, stoppingToken).ConfigureAwait(false);
                if (await SampleAsync(detector, stoppingToken).ConfigureAwait(false) is { } stall)
                {
                    Log.ConsumerStalled(logger, stall.ToString());
                    await handler.OnStalledAsync(stall, stoppingToken).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (_connection is not null)
                await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One sample: the bus's readiness, then each ready endpoint's queue, as the broker sees them. Returns the first stall
    /// that has lasted long enough; an unreachable broker starts every stall over (the bus reconnects on its own).
    /// </summary>
    private async Task<ConsumerStall?> SampleAsync(ConsumerStallDetector detector, CancellationToken cancellationToken)
    {
        var subject = "the bus";
        IChannel? channel = null;
        try
        {
            if (_connection is { IsOpen: false } stale)
            {
                _connection = null;
                await stale.DisposeAsync().ConfigureAwait(false);
            }
            _connection ??= await Factory().CreateConnectionAsync("segloop-consumer-watchdog", cancellationToken).ConfigureAwait(false);
            // Opening a channel is a round trip: the bus's readiness is judged only at a moment the broker answers.
            channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var health = bus.CheckHealth();
            if (detector.ObserveBus(health.Status != BusHealthStatus.Unhealthy, health.Description, time.GetUtcNow()) is { } notReady)
                return notReady;
            foreach (var queue in activity.Queues)
            {
                subject = $"queue {queue}";
                if (channel.IsClosed)
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                    channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                QueueDeclareOk ok;
                try
                {
                    ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    continue; // the bus's own temporary endpoint has no queue of that name until it is used
                }
                Log.WatchdogSample(logger, queue, ok.MessageCount, ok.ConsumerCount);
                if (detector.Observe(queue, ok.MessageCount, ok.ConsumerCount, activity.TakeFinished(queue), time.GetUtcNow()) is { } stall)
                    return stall;
            }
            return null;
        }
        catch (Exception e) when (e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
            // The broker is away or a queue is being recovered: the bus reconnects on its own, nothing to judge now.
            Log.WatchdogBrokerUnreachable(logger, subject, e.Message);
            detector.BrokerUnreachable();
            return null;
        }
        finally
        {
            if (channel is not null)
                await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ConnectionFactory Factory()
    {
        var rabbit = options.Value.RabbitMq;
        return new ConnectionFactory
        {
            HostName = rabbit.Host,
            Port = rabbit.Port,
            VirtualHost = rabbit.VirtualHost,
            UserName = rabbit.Username,
            Password = rabbit.ResolvePassword(),
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            ContinuationTimeout = TimeSpan.FromSeconds(10),
        };
    }
}

/// <summary>What a process does when <see cref="ConsumerWatchdog"/> finds a stalled endpoint.</summary>
public interface IConsumerStallHandler
{
    Task OnStalledAsync(ConsumerStall stall, CancellationToken cancellationToken);
}

/// <summary>The default: stop the process with exit code 75 (EX_TEMPFAIL) so its supervisor starts a fresh one.</summary>
public sealed class ExitOnConsumerStall(IHostApplicationLifetime lifetime, ILogger<ExitOnConsumerStall> logger) : IConsumerStallHandler
{
    public const int ExitCode = 75;

    public Task OnStalledAsync(ConsumerStall stall, CancellationToken cancellationToken)
    {
        Log.ExitingOnStall(logger, ExitCode);
        Environment.ExitCode = ExitCode;
        lifetime.StopApplication();
        return Task.CompletedTask;
    }
}
