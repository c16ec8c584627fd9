using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Hosting;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// The host every bus-using verb runs in (run, ingest, models promote, prelabel). Defaults: in-memory bus
/// and a local folder store under <c>--data</c>; environment variables in the services' form
/// (<c>Bus__Transport=RabbitMq</c>, <c>Storage__Kind=S3</c>, ...) override them unless
/// <see cref="CliHostSettings.ForceEmbedded"/>. With the in-memory bus and <see cref="CliHostSettings.EmbedServices"/>
/// the embedded services run in this process, so the loop works locally; otherwise this process only publishes
/// and listens, and the deployed services do the work.
/// </summary>
public static class CliHost
{
    public static IHost Build(CliHostSettings settings, out bool embedded)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        Configure(builder, settings, out embedded);
        return builder.Build();
    }

    /// <summary>The same configuration on a builder the caller owns (<c>segloop run</c> builds a web application to serve HTTP).</summary>
    public static void Configure<TBuilder>(TBuilder builder, CliHostSettings settings, out bool embedded) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:SegLoop"] = settings.SegLoopLogLevel,
            ["Hosting:ShutdownTimeout"] = "00:00:10",
        };
        var store = new Dictionary<string, string?>
        {
            ["Bus:Transport"] = "InMemory",
            ["Storage:Kind"] = "Local",
            ["Storage:Local:Root"] = Path.GetFullPath(settings.DataRoot),
        };
        if (settings.ForceEmbedded)
        {
            // What makes it the embedded loop is not negotiable: in-memory bus, local folder store.
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
            builder.Configuration.AddInMemoryCollection(store);
        }
        else
        {
            // Defaults first, so environment variables override them.
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults.Concat(store) });
        }

        builder.AddSegLoopDefaults(settings.ServiceName);
        if (settings.ObserveTraffic)
        {
            builder.Services.AddSingleton<BusTraffic>();
            builder.Services.AddConsumeObserver(sp => sp.GetRequiredService<BusTraffic>());
            builder.Services.AddPublishObserver(sp => sp.GetRequiredService<BusTraffic>());
        }

        embedded = builder.Configuration.GetValue("Bus:Transport", BusTransport.InMemory) == BusTransport.InMemory;
        if (embedded && settings.EmbedServices)
        {
            EmbeddedServices.AddServices(builder.Services, builder.Configuration);
            builder.AddSegLoopBus(EmbeddedServices.AddConsumers);
        }
        else
        {
            builder.Services.AddBlobStore(builder.Configuration);
            settings.PublisherServices?.Invoke(builder.Services, builder.Configuration);
            builder.AddSegLoopBus(_ => { });
        }
    }
}

/// <summary>How a verb's host is built; see <see cref="CliHost"/>.</summary>
public sealed record CliHostSettings(string ServiceName, string DataRoot)
{
    /// <summary>Host the embedded services when the bus is in-memory.</summary>
    public bool EmbedServices { get; init; } = true;

    /// <summary>In-memory bus and local store whatever the environment says (<c>segloop run</c>).</summary>
    public bool ForceEmbedded { get; init; }

    /// <summary>Count and log every publish and consume (<see cref="BusTraffic"/>).</summary>
    public bool ObserveTraffic { get; init; }

    public string SegLoopLogLevel { get; init; } = "Warning";

    /// <summary>Services this process needs when it only publishes to deployed services (e.g. Ingest's processor).</summary>
    public Action<IServiceCollection, IConfiguration>? PublisherServices { get; init; }
}
