using MassTransit;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Ingest;

/// <summary>Ingests a task that arrived by webhook (or any publisher): Ingested or Rejected is published either way.</summary>
public sealed class AnnotationTaskCompletedConsumer(StoredTaskReader reader, IngestProcessor processor) : IConsumer<AnnotationTaskCompleted>
{
    public async Task Consume(ConsumeContext<AnnotationTaskCompleted> context)
    {
        var request = await reader.ReadAsync(context.Message, context.CancellationToken).ConfigureAwait(false);
        var outcome = await processor.ProcessAsync(request, context.CancellationToken).ConfigureAwait(false);
        if (outcome.Ingested is { } ingested)
            await context.Publish(ingested, context.CancellationToken).ConfigureAwait(false);
        else
            await context.Publish(outcome.Rejected!, context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Short retries for storage hiccups; a payload that is missing or not JSON goes straight to the error queue.</summary>
public sealed class AnnotationTaskCompletedConsumerDefinition : ConsumerDefinition<AnnotationTaskCompletedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnnotationTaskCompletedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Intervals(100, 500, 2000);
            retry.Ignore<BlobNotFoundException>();
            retry.Ignore<InvalidBlobKeyException>();
            retry.Ignore<InvalidDataException>();
            retry.Ignore<System.Text.Json.JsonException>();
            retry.Ignore<FormatException>();
        });
    }
}
