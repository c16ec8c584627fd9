using MassTransit;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

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
/// Few images at once (each holds its decoded pixels); short retries for storage hiccups, none for input that
/// cannot get better (a missing or malformed document, mask or image), which goes straight to the error queue.
/// </summary>
public sealed class AnnotationNormalizedConsumerDefinition(IOptions<CropBuilderOptions> options) : ConsumerDefinition<AnnotationNormalizedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnnotationNormalizedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Intervals(100, 500, 2000);
            retry.Ignore<BlobNotFoundException>();
            retry.Ignore<InvalidBlobKeyException>();
            retry.Ignore<InvalidDataException>();
            retry.Ignore<System.Text.Json.JsonException>();
            retry.Ignore<CocoMaskException>();
            retry.Ignore<ImageDecodeException>();
            retry.Ignore<ImageTooLargeException>();
        });
    }
}
