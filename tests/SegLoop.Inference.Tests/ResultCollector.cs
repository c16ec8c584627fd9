using System.Collections.Concurrent;
using MassTransit;
using SegLoop.Contracts;

namespace SegLoop.Inference.Tests;

/// <summary>Every PreAnnotationCompleted/Failed the bus delivers, by request id.</summary>
internal sealed class ResultCollector
{
    private int expected = int.MaxValue;
    private readonly TaskCompletionSource allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<string, PreAnnotationCompleted> Completed { get; } = new();
    public ConcurrentDictionary<string, PreAnnotationFailed> Failed { get; } = new();
    public ConcurrentBag<string> Duplicates { get; } = [];

    public int Count => Completed.Count + Failed.Count;

    public Task WaitForAsync(int count, TimeSpan timeout)
    {
        Volatile.Write(ref expected, count);
        Check();
        return allArrived.Task.WaitAsync(timeout);
    }

    public void Add(PreAnnotationCompleted message)
    {
        if (!Completed.TryAdd(message.RequestId, message))
            Duplicates.Add(message.RequestId);
        Check();
    }

    public void Add(PreAnnotationFailed message)
    {
        if (!Failed.TryAdd(message.RequestId, message))
            Duplicates.Add(message.RequestId);
        Check();
    }

    private void Check()
    {
        if (Count >= Volatile.Read(ref expected))
            allArrived.TrySetResult();
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
