using MassTransit;
using SegLoop.Contracts;
using SegLoop.Hosting;

namespace SegLoop.Taxonomy;

/// <summary>Normalizes each ingested task onto the common taxonomy and announces the result.</summary>
public sealed class AnnotationIngestedConsumer(TaxonomyNormalizer normalizer) : IConsumer<AnnotationIngested>
{
    public async Task Consume(ConsumeContext<AnnotationIngested> context)
    {
        var result = await normalizer.NormalizeAsync(context.Message, context.CancellationToken).ConfigureAwait(false);
        if (result.Unmapped is not null)
            await context.Publish(result.Unmapped, context.CancellationToken).ConfigureAwait(false);
        await context.Publish(result.Normalized, context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// SegLoop's retry (<c>Bus:Retry</c>); an ingested annotation that is not in storage is a permanent failure,
/// registered in <see cref="TaxonomyServiceCollectionExtensions"/>.
/// </summary>
public sealed class AnnotationIngestedConsumerDefinition : ConsumerDefinition<AnnotationIngestedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnnotationIngestedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseSegLoopRetry(context);
}
