using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Hosting;

namespace SegLoop.CropBuilder;

public static class CropBuilderServiceCollectionExtensions
{
    /// <summary>
    /// CropBuilder options (section <c>CropBuilder</c>, validated at start), the cropper, the dataset builder and the
    /// nightly schedule (idle unless <c>CropBuilder:Nightly:Enabled</c>). Needs an <see cref="SegLoop.Storage.IBlobStore"/>
    /// registered by the host (<c>services.AddBlobStore(configuration)</c>).
    /// </summary>
    public static IServiceCollection AddCropBuilder(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSegLoopOptions<CropBuilderOptions>(CropBuilderOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ImageCropper>();
        services.TryAddSingleton<DatasetBuilder>();
        services.AddHostedService<NightlyDatasetService>();
        // A mask or image that cannot be read, or a blob that is not there, will not get better on a retry.
        services.AddPermanentFailures(typeof(SegLoop.Vision.Coco.CocoMaskException), typeof(SegLoop.Vision.ImageDecodeException));
        services.AddPermanentFailures(SegLoop.Storage.StorageFailures.Permanent);
        return services;
    }

    public static void AddCropBuilderConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<AnnotationNormalizedConsumer, AnnotationNormalizedConsumerDefinition>();
    }
}
