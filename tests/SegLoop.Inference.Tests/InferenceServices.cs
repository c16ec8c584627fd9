using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Inference.Tests;

/// <summary>The Inference services over a given store, as a worker registers them, and one request to them.</summary>
internal static class InferenceServices
{
    public static ServiceProvider Build(IBlobStore store, IDictionary<string, string?> settings, ILoggerProvider? log = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Inference:Batching:MaxWaitMs"] = "1" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (log is not null)
                b.AddProvider(log);
        });
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(store);
        services.AddInference(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>One box prompt on images/object.png, naming <paramref name="model"/> (null: the default model).</summary>
    public static Task<PreAnnotationOutcome> HandleAsync(ServiceProvider provider, string requestId, string? model) =>
        provider.GetRequiredService<PreAnnotationService>().HandleAsync(new PreAnnotationRequested
        {
            RequestId = requestId,
            ImageKey = "images/object.png",
            Model = model,
            Prompts = [new Prompt { Box = new BoundingBox(16, 10, 32, 28), Label = "7" }],
        }, CancellationToken.None);
}
