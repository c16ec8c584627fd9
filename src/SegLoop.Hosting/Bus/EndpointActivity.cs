using System.Collections.Concurrent;
using MassTransit;

namespace SegLoop.Hosting;

/// <summary>
/// What the bus itself reports about its receive endpoints: which queues this process consumes (each endpoint that
/// became ready) and how many deliveries each has finished, consumed or faulted. The consumer watchdog reads it.
/// </summary>
public sealed class EndpointActivity : IReceiveEndpointObserver, IReceiveObserver
{
    private readonly ConcurrentDictionary<string, Counter> _queues = new(StringComparer.Ordinal);

    /// <summary>The queues of the endpoints that are ready now.</summary>
    public IReadOnlyCollection<string> Queues => _queues.Where(q => q.Value.Ready).Select(q => q.Key).ToList();

    /// <summary>Deliveries <paramref name="queue"/> finished since the previous call for it.</summary>
    public long TakeFinished(string queue) => _queues.TryGetValue(queue, out var c) ? Interlocked.Exchange(ref c.Finished, 0) : 0;

    public Task Ready(ReceiveEndpointReady ready)
    {
        _queues.GetOrAdd(QueueOf(ready.InputAddress), _ => new Counter()).Ready = true;
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping)
    {
        if (_queues.TryGetValue(QueueOf(stopping.InputAddress), out var c))
            c.Ready = false;
        return Task.CompletedTask;
    }

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Finished(context);

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Finished(context);

    private Task Finished(ReceiveContext context)
    {
        Interlocked.Increment(ref _queues.GetOrAdd(QueueOf(context.InputAddress), _ => new Counter()).Finished);
        return Task.CompletedTask;
    }

    /// <summary>The queue of an endpoint address: its last path segment (rabbitmq://host/vhost/queue?options).</summary>
    public static string QueueOf(Uri address) => Uri.UnescapeDataString(address.AbsolutePath.TrimEnd('/').Split('/')[^1]);

    private sealed class Counter
    {
        public long Finished;
        public volatile bool Ready;
    }
}
