using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace SegLoop.Cli;

/// <summary>
/// Shows what flows over the embedded bus (every publish, consume and fault, with the message) and
/// tells <c>run --once</c> when the loop has gone quiet.
/// </summary>
public sealed class BusTraffic(ILogger<BusTraffic> logger, TimeProvider time) : IConsumeObserver, IPublishObserver
{
    private const int MaxShown = 240;
    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web);
    private int _inFlight;
    private int _published;
    private int _consumed;
    private int _faulted;
    private long _lastActivity = time.GetTimestamp();

    public int Published => Volatile.Read(ref _published);
    public int Consumed => Volatile.Read(ref _consumed);
    public int Faulted => Volatile.Read(ref _faulted);

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        Interlocked.Increment(ref _published);
        Touch();
        CliLog.Published(logger, Name<T>(), Show(context.Message));
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class
    {
        Interlocked.Increment(ref _faulted);
        Touch();
        CliLog.PublishFailed(logger, exception, Name<T>());
        return Task.CompletedTask;
    }

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class
    {
        Interlocked.Increment(ref _inFlight);
        Touch();
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        Interlocked.Increment(ref _consumed);
        Interlocked.Decrement(ref _inFlight);
        Touch();
        CliLog.Consumed(logger, Name<T>(), context.ReceiveContext.InputAddress?.AbsolutePath.Trim('/') ?? "?");
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
    {
        Interlocked.Increment(ref _faulted);
        Interlocked.Decrement(ref _inFlight);
        Touch();
        CliLog.ConsumeFailed(logger, exception, Name<T>(), context.ReceiveContext.InputAddress?.AbsolutePath.Trim('/') ?? "?");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits until nothing is being consumed and nothing happened for <paramref name="quiet"/>.
    /// False when <paramref name="timeout"/> passed first.
    /// </summary>
    public async Task<bool> WaitUntilIdleAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        while (time.GetElapsedTime(start) < timeout)
        {
            if (Volatile.Read(ref _inFlight) == 0 && time.GetElapsedTime(Interlocked.Read(ref _lastActivity)) >= quiet)
                return true;
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
        return false;
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, time.GetTimestamp());

    private static string Name<T>() => typeof(T).IsGenericType
        ? $"{typeof(T).Name[..typeof(T).Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(",", typeof(T).GetGenericArguments().Select(a => a.Name))}>"
        : typeof(T).Name;

    private static string Show<T>(T message)
    {
        var json = JsonSerializer.Serialize(message, Compact);
        return json.Length <= MaxShown ? json : json[..MaxShown] + "…";
    }
}
