using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Storage;
using SegLoop.Storage.Local;

namespace SegLoop.Ingest.Tests;

/// <summary>Ingest on a local folder store and MassTransit's in-memory test harness.</summary>
internal sealed class IngestTestHost : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret-0123456789";

    private IngestTestHost(ServiceProvider services, string root)
    {
        Services = services;
        Root = root;
    }

    public ServiceProvider Services { get; }
    public string Root { get; }
    public IBlobStore Store => Services.GetRequiredService<IBlobStore>();
    public IngestProcessor Processor => Services.GetRequiredService<IngestProcessor>();
    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    public static async Task<IngestTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "segloop-ingest-" + Guid.NewGuid().ToString("N")[..10]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:Webhook:Secret"] = Secret,
            ["Ingest:Webhook:MaxBodyBytes"] = "65536",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(root));
        services.AddIngest(configuration);
        services.AddMassTransitTestHarness(bus => bus.AddIngestConsumers());
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await provider.GetRequiredService<ITestHarness>().Start();
        return new IngestTestHost(provider, root);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
