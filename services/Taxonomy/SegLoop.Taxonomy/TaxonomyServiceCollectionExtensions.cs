using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SegLoop.Hosting;
using SegLoop.Storage;

namespace SegLoop.Taxonomy;

public static class TaxonomyServiceCollectionExtensions
{
    /// <summary>
    /// Taxonomy options (section "Taxonomy", validated at start), the taxonomy provider (loaded at start,
    /// so a bad file stops the process) and the normalizer. Needs an <see cref="SegLoop.Storage.IBlobStore"/>
    /// registered by the host.
    /// </summary>
    public static IServiceCollection AddTaxonomy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TaxonomyOptions>()
            .Bind(configuration.GetSection(TaxonomyOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TaxonomyProvider>();
        services.TryAddSingleton<TaxonomyNormalizer>();
        services.AddHostedService<TaxonomyStartup>();
        // An ingested annotation that is not in storage will not appear on a retry.
        services.AddPermanentFailures(StorageFailures.Permanent);
        return services;
    }

    public static void AddTaxonomyConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<AnnotationIngestedConsumer, AnnotationIngestedConsumerDefinition>();
    }

    /// <summary>Loads the taxonomy when the host starts rather than on the first message.</summary>
    private sealed class TaxonomyStartup(TaxonomyProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = provider.Current;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
