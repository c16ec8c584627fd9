namespace SegLoop.Hosting;

/// <summary>
/// Decides, from samples taken at intervals, whether this process has stopped consuming while the broker answers:
/// a receive endpoint's queue holds ready messages while the broker sees no consumer on it, or while not one delivery
/// finished since the previous sample; or the bus itself is not ready (its start, or a reconnect, never finished).
/// A stall counts only while it lasts without a break; one sample with progress, an empty queue, a ready bus or an
/// unreachable broker (the bus's own reconnecting is then at work) starts it over.
/// </summary>
public sealed class ConsumerStallDetector(TimeSpan stallAfter)
{
    private readonly Dictionary<string, DateTimeOffset> _stalledSince = new(StringComparer.Ordinal);
    private DateTimeOffset? _busNotReadySince;

    /// <summary>
    /// Records one sample of <paramref name="queue"/> and returns the stall when it has lasted <c>stallAfter</c> or
    /// longer. <paramref name="finished"/> is how many deliveries the endpoint finished (consumed or faulted) since the
    /// previous sample.
    /// </summary>
    public ConsumerStall? Observe(string queue, long ready, long consumers, long finished, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        if (ready == 0 || (consumers > 0 && finished > 0))
        {
            _stalledSince.Remove(queue);
            return null;
        }
        if (!_stalledSince.TryGetValue(queue, out var since))
        {
            _stalledSince[queue] = now;
            return null;
        }
        return now - since >= stallAfter ? new QueueStall(queue, ready, consumers, now - since) : null;
    }

    /// <summary>
    /// Records whether the bus reports itself ready (<paramref name="health"/> is its own description) at a moment the
    /// broker answered, and returns the stall once it has not been ready for <c>stallAfter</c> or longer.
    /// </summary>
    public ConsumerStall? ObserveBus(bool ready, string health, DateTimeOffset now)
    {
        if (ready)
        {
            _busNotReadySince = null;
            return null;
        }
        _busNotReadySince ??= now;
        return now - _busNotReadySince >= stallAfter ? new BusNotReady(health, now - _busNotReadySince.Value) : null;
    }

    /// <summary>The broker could not be asked: nothing is known, so no stall goes on counting.</summary>
    public void BrokerUnreachable()
    {
        _stalledSince.Clear();
        _busNotReadySince = null;
    }
}

/// <summary>Something in this process stopped consuming for <see cref="For"/> while the broker answered.</summary>
public abstract record ConsumerStall(TimeSpan For);

/// <summary>A queue that held <see cref="Ready"/> messages for <see cref="ConsumerStall.For"/> while its endpoint consumed none.</summary>
public sealed record QueueStall(string Queue, long Ready, long Consumers, TimeSpan For) : ConsumerStall(For)
{
    public override string ToString() =>
        $"queue '{Queue}' has held {Ready} ready message(s) for {For.TotalSeconds:F0} s with "
        + (Consumers == 0 ? "no consumer attached on the broker" : $"{Consumers} consumer(s) attached and none of its deliveries finishing")
        + ", while the bus reports itself connected";
}

/// <summary>The bus has not been ready for <see cref="ConsumerStall.For"/> although the broker answered all along.</summary>
public sealed record BusNotReady(string Health, TimeSpan For) : ConsumerStall(For)
{
    public override string ToString() =>
        $"the bus has not been ready for {For.TotalSeconds:F0} s although the broker answered all along (bus health: {Health})";
}
