namespace SegLoop.Hosting;

/// <summary>
/// Decides, from samples taken at intervals, whether a receive endpoint has stopped consuming: its queue holds ready
/// messages while the broker sees no consumer on it, or while not one delivery finished since the previous sample.
/// A stall counts only while it lasts without a break; one sample with progress, an empty queue or an unreachable
/// broker (the bus's own reconnecting is then at work) starts it over.
/// </summary>
public sealed class ConsumerStallDetector(TimeSpan stallAfter)
{
    private readonly Dictionary<string, DateTimeOffset> _stalledSince = new(StringComparer.Ordinal);

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
        return now - since >= stallAfter ? new ConsumerStall(queue, ready, consumers, now - since) : null;
    }

    /// <summary>The broker could not be asked: nothing is known, so no stall goes on counting.</summary>
    public void BrokerUnreachable() => _stalledSince.Clear();
}

/// <summary>A queue that held <see cref="Ready"/> messages for <see cref="For"/> while its endpoint consumed none.</summary>
public sealed record ConsumerStall(string Queue, long Ready, long Consumers, TimeSpan For)
{
    public override string ToString() =>
        $"queue '{Queue}' has held {Ready} ready message(s) for {For.TotalSeconds:F0} s with "
        + (Consumers == 0 ? "no consumer attached on the broker" : $"{Consumers} consumer(s) attached and none of its deliveries finishing");
}
