using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.CropBuilder;
using SegLoop.Hosting;
using SegLoop.Inference;
using SegLoop.Ingest;
using SegLoop.Storage;
using SegLoop.Taxonomy;

namespace SegLoop.Deploy.Tests;

/// <summary>
/// Retry is set by each consumer's definition, not once for the whole bus: a consumer registered without one would not
/// retry at all. Every worker's endpoints are probed on the in-memory bus (as built, not started).
/// </summary>
public sealed class ConsumerRetryTests
{
    public static TheoryData<string> Workers() => ["ingest", "taxonomy", "cropbuilder", "inference"];

    [Theory]
    [MemberData(nameof(Workers))]
    public void Endpoints_EveryConsumer_RetriesAtBusRetryIntervals(string worker)
    {
        using var host = Build(worker);

        var probe = JsonSerializer.SerializeToElement(host.Services.GetRequiredService<IBusControl>().GetProbeResult());

        var consumerEndpoints = probe.GetProperty("Results").GetProperty("bus").GetProperty("host").GetProperty("receiveEndpoint")
            .EnumerateArray().Where(e => e.GetRawText().Contains("\"consumer\":", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(consumerEndpoints);
        Assert.All(consumerEndpoints, endpoint =>
        {
            var text = endpoint.GetRawText();
            Assert.True(text.Contains("\"filterType\":\"retry\"", StringComparison.Ordinal) &&
                text.Contains("\"intervals\":[\"00:00:00.0170000\",\"00:00:00.0230000\"]", StringComparison.Ordinal),
                $"{endpoint.GetProperty("name")} does not retry at Bus:Retry:Intervals: {text}");
        });
    }

    private static IHost Build(string worker)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection([new("Bus:Retry:Intervals:0", "17"), new("Bus:Retry:Intervals:1", "23")]);
        builder.Services.AddBlobStore(builder.Configuration);
        switch (worker)
        {
            case "ingest":
                builder.Services.AddIngest(builder.Configuration);
                builder.AddSegLoopBus(bus => bus.AddIngestConsumers());
                break;
            case "taxonomy":
                builder.Services.AddTaxonomy(builder.Configuration);
                builder.AddSegLoopBus(bus => bus.AddTaxonomyConsumers());
                break;
            case "cropbuilder":
                builder.Services.AddCropBuilder(builder.Configuration);
                builder.AddSegLoopBus(bus => bus.AddCropBuilderConsumers());
                break;
            default:
                builder.Services.AddInference(builder.Configuration);
                builder.AddSegLoopBus(bus => bus.AddInferenceConsumers());
                break;
        }
        return builder.Build();
    }
}
