using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SegLoop.Hosting;
using SegLoop.Inference.Batching;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage;

namespace SegLoop.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Inference options ("Inference", validated at start), ONNX Runtime options ("ModelRuntime"), the model registry and
    /// catalog (with the default model loaded at start), the batcher, metrics and <see cref="PreAnnotationService"/>.
    /// Needs an IBlobStore registered by the host.
    /// </summary>
    public static IServiceCollection AddInference(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSegLoopOptions<InferenceOptions>(InferenceOptions.SectionName);
        services.AddModelRuntime(configuration);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InferenceMetrics>();
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<ModelCatalog>();
        services.TryAddSingleton<Batcher>();
        services.TryAddSingleton<PreAnnotationService>();
        services.TryAddSingleton<ServedSegmenters>();
        services.AddHostedService<DefaultModelWarmup>();
        // A model or image that is not in storage will not appear on a retry.
        services.AddPermanentFailures(StorageFailures.Permanent);
        return services;
    }

    public static void AddInferenceConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<PreAnnotationRequestedConsumer, PreAnnotationRequestedConsumerDefinition>();
        bus.AddConsumer<ModelPromotedConsumer, ModelPromotedConsumerDefinition>();
    }
}
