using MassTransit;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Hosting;

namespace SegLoop.Inference;

/// <summary>Answers a pre-annotation request with PreAnnotationCompleted or PreAnnotationFailed.</summary>
public sealed class PreAnnotationRequestedConsumer(PreAnnotationService service) : IConsumer<PreAnnotationRequested>
{
    public async Task Consume(ConsumeContext<PreAnnotationRequested> context)
    {
        var outcome = await service.HandleAsync(context.Message, context.CancellationToken);
        if (outcome.Completed is { } completed)
            await context.Publish(completed, context.CancellationToken);
        else
            await context.Publish(outcome.Failed!, context.CancellationToken);
    }
}

/// <summary>
/// Many requests in flight at once (and as many prefetched), so the batcher's batches fill; SegLoop's retry
/// (<c>Bus:Retry</c>).
/// </summary>
public sealed class PreAnnotationRequestedConsumerDefinition(IOptions<InferenceOptions> options) : ConsumerDefinition<PreAnnotationRequestedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<PreAnnotationRequestedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        var limit = options.Value.ConcurrentMessageLimit;
        endpointConfigurator.PrefetchCount = Math.Max(endpointConfigurator.PrefetchCount, limit);
        endpointConfigurator.ConcurrentMessageLimit = limit;
        endpointConfigurator.UseSegLoopRetry(context);
    }
}
