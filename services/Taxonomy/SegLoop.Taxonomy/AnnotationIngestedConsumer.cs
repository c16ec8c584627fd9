using MassTransit;
using SegLoop.Contracts;
using SegLoop.Storage;

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

/// <summary>Short in-memory retries for storage hiccups; a missing or unreadable document goes straight to the error queue.</summary>
public sealed class AnnotationIngestedConsumerDefinition : ConsumerDefinition<AnnotationIngestedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnnotationIngestedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Intervals(100, 500, 2000);
            retry.Ignore<BlobNotFoundException>();
            retry.Ignore<InvalidBlobKeyException>();
            retry.Ignore<InvalidDataException>();
            retry.Ignore<System.Text.Json.JsonException>();
        });
    }
}
