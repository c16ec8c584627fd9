using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SegLoop.ActiveLearning;

/// <summary>Uncertainty ranking hosted by the Inference service (after <c>AddInference</c>, whose served models it uses).</summary>
public static class RankingServiceCollectionExtensions
{
    public static IServiceCollection AddRanking(this IServiceCollection services)
    {
        services.TryAddSingleton<RankingService>();
        return services;
    }

    public static void AddRankingConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<RankingRequestedConsumer, RankingRequestedConsumerDefinition>();
    }
}
