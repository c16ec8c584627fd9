using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Hosting;
using SegLoop.Storage;

namespace SegLoop.Inference.Tests;

/// <summary>A host running the Inference service and a result collector on the given bus settings and an in-memory store.</summary>
internal static class InferenceHost
{
    public static IHost Build(InMemoryBlobStore store, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Bus:Retry:Intervals:0"] = "50",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSegLoopDefaults("inference-tests");
        builder.Services.AddSingleton<IBlobStore>(store);
        builder.Services.AddSingleton<ResultCollector>();
        builder.Services.AddInference(builder.Configuration);
        builder.AddSegLoopBus(bus =>
        {
            bus.AddInferenceConsumers();
            bus.AddConsumer<CompletedCollectorConsumer>();
            bus.AddConsumer<FailedCollectorConsumer>();
        });
        return builder.Build();
    }

    public static async Task StartAsync(IHost host)
    {
        await host.StartAsync();
        var status = await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        Assert.Equal(BusHealthStatus.Healthy, status);
    }
}
