using System.Collections.Concurrent;
using MassTransit;
using SegLoop.Contracts;

namespace SegLoop.Inference.Tests;

/// <summary>Every PreAnnotationCompleted/Failed the bus delivers, by request id.</summary>
internal sealed class ResultCollector
{

    public ConcurrentDictionary<string, PreAnnotationCompleted> Completed { get; } = new();
    public ConcurrentDictionary<string, PreAnnotationFailed> Failed { get; } = new();
    public ConcurrentBag<string> Duplicates { get; } = [];

    public int Count => Completed.Count + Failed.Count;

    /// <summary>Waits until at least <paramref name="count"/> answers arrived; throws TimeoutException naming how many did.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Count < count)
        {
            if (cts.IsCancellationRequested)
                throw new TimeoutException($"{Count} of {count} answers arrived within {timeout}");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    public void Add(PreAnnotationCompleted message)
    {
        if (!Completed.TryAdd(message.RequestId, message))
            Duplicates.Add(message.RequestId);
    }

    public void Add(PreAnnotationFailed message)
    {
        if (!Failed.TryAdd(message.RequestId, message))
            Duplicates.Add(message.RequestId);
    }
}

internal sealed class CompletedCollectorConsumer(ResultCollector collector) : IConsumer<PreAnnotationCompleted>
{
    public Task Consume(ConsumeContext<PreAnnotationCompleted> context)
    {
        collector.Add(context.Message);
        return Task.CompletedTask;
    }
}

internal sealed class FailedCollectorConsumer(ResultCollector collector) : IConsumer<PreAnnotationFailed>
{
    public Task Consume(ConsumeContext<PreAnnotationFailed> context)
    {
        collector.Add(context.Message);
        return Task.CompletedTask;
    }
}
