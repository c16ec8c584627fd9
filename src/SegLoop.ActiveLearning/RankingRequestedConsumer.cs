using MassTransit;
using SegLoop.Contracts;
using SegLoop.Hosting;

namespace SegLoop.ActiveLearning;

/// <summary>Answers a ranking request with RankingCompleted (outputs in storage) or RankingFailed.</summary>
public sealed class RankingRequestedConsumer(RankingService service) : IConsumer<RankingRequested>
{
    public async Task Consume(ConsumeContext<RankingRequested> context)
    {
        var outcome = await service.HandleAsync(context.Message, context.CancellationToken).ConfigureAwait(false);
        if (outcome.Completed is { } completed)
            await context.Publish(completed, context.CancellationToken).ConfigureAwait(false);
        else
            await context.Publish(outcome.Failed!, context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// A ranking is long (D passes of every image): one at a time per worker, so pre-annotation keeps the batcher; SegLoop's
/// retry (<c>Bus:Retry</c>) like every consumer.
/// </summary>
public sealed class RankingRequestedConsumerDefinition : ConsumerDefinition<RankingRequestedConsumer>
{
    public RankingRequestedConsumerDefinition()
    {
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RankingRequestedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 1;
        endpointConfigurator.UseSegLoopRetry(context);
    }
}
