using System.Collections.Concurrent;
using MassTransit;

namespace SegLoop.Hosting.Tests;

[MessageUrn("segloop-tests:ping")]
public sealed record Ping(string Text);

[MessageUrn("segloop-tests:doomed")]
public sealed record Doomed(string Text);

[MessageUrn("segloop-tests:needs-blob")]
public sealed record NeedsBlob(string Key);

/// <summary>What the test consumers saw, shared through DI.</summary>
public sealed class Observations
{
    public TaskCompletionSource<Ping> PingReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<string> PingBody { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public ConcurrentQueue<string> DoomedAttempts { get; } = new();
    public ConcurrentQueue<string> NeedsBlobAttempts { get; } = new();
}

public sealed class PingConsumer(Observations observations) : IConsumer<Ping>
{
    public Task Consume(ConsumeContext<Ping> context)
    {
        observations.PingBody.TrySetResult(System.Text.Encoding.UTF8.GetString(context.ReceiveContext.Body.GetBytes()));
        observations.PingReceived.TrySetResult(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class AlwaysThrowsConsumer(Observations observations) : IConsumer<Doomed>
{
    public Task Consume(ConsumeContext<Doomed> context)
    {
        observations.DoomedAttempts.Enqueue(context.Message.Text);
        throw new InvalidOperationException($"doomed message '{context.Message.Text}' cannot be processed");
    }
}

/// <summary>Reads a blob that is not there, as a store reports it: the transport's own error inside.</summary>
public sealed class MissingBlobConsumer(Observations observations) : IConsumer<NeedsBlob>
{
    public Task Consume(ConsumeContext<NeedsBlob> context)
    {
        observations.NeedsBlobAttempts.Enqueue(context.Message.Key);
        throw new SegLoop.Storage.BlobNotFoundException(context.Message.Key, new InvalidOperationException("404 from the storage client"));
    }
}

/// <summary>A consumer definition as every service writes one: SegLoop's retry.</summary>
public sealed class RetryingDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseSegLoopRetry(context);
}
