using MassTransit;
using SegLoop.Contracts;
using SegLoop.Hosting;

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

/// <summary>
/// SegLoop's retry (<c>Bus:Retry</c>); a stored task that does not parse or is not there is a permanent failure,
/// registered in <see cref="IngestServiceCollectionExtensions"/>.
/// </summary>
public sealed class AnnotationTaskCompletedConsumerDefinition : ConsumerDefinition<AnnotationTaskCompletedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnnotationTaskCompletedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseSegLoopRetry(context);
}
