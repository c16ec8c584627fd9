using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.ActiveLearning;
using SegLoop.CropBuilder;
using SegLoop.Inference;
using SegLoop.Ingest;
using SegLoop.Storage;
using SegLoop.Taxonomy;

namespace SegLoop.Cli;

/// <summary>
/// The services <c>segloop run</c> hosts in one process: the only list of them. Each service adds one
/// <c>services.Add&lt;Name&gt;(configuration)</c> line and one <c>bus.Add&lt;Name&gt;Consumers()</c> line here.
/// </summary>
public static class EmbeddedServices
{
    /// <summary>Names shown at start-up, in loop order.</summary>
    public static readonly IReadOnlyList<string> Names = ["ingest", "taxonomy", "crop-builder", "inference"];

    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddBlobStore(configuration);

        services.AddIngest(configuration);
        services.AddTaxonomy(configuration);
        services.AddCropBuilder(configuration);
        services.AddInference(configuration);
        services.AddRanking();
    }

    public static void AddConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddIngestConsumers();
        bus.AddTaxonomyConsumers();
        bus.AddCropBuilderConsumers();
        bus.AddInferenceConsumers();
        bus.AddRankingConsumers();
    }
}
