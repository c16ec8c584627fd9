using MassTransit;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Hosting;

namespace SegLoop.CropBuilder;

/// <summary>Cuts the training crops of each normalized image and announces them.</summary>
public sealed class AnnotationNormalizedConsumer(ImageCropper cropper) : IConsumer<AnnotationNormalized>
{
    public async Task Consume(ConsumeContext<AnnotationNormalized> context)
    {
        var emitted = await cropper.CropAsync(context.Message, context.CancellationToken).ConfigureAwait(false);
        await context.Publish(emitted, context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Few images at once (each holds its decoded pixels), and SegLoop's retry (<c>Bus:Retry</c>); the input that cannot get
/// better (a malformed mask or image, a missing blob) is registered as a permanent failure in <see cref="CropBuilderServiceCollectionExtensions"/>.
/// </summary>
public sealed class AnnotationNormalizedConsumerDefinition(IOptions<CropBuilderOptions> options) : ConsumerDefinition<AnnotationNormalizedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnnotationNormalizedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
        endpointConfigurator.UseSegLoopRetry(context);
    }
}
