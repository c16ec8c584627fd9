using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Hosting;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// The host a bus-using verb (models promote, prelabel) runs in. Defaults: in-memory bus and a local folder store
/// under <c>--data</c>; environment variables in the services' form (<c>Bus__Transport=RabbitMq</c>,
/// <c>Storage__Kind=S3</c>, ...) override them. With the in-memory bus and <paramref name="embedServices"/> the
/// embedded services run in this process, so the loop works locally; otherwise this process only publishes and
/// listens, and the deployed services do the work.
/// </summary>
public static class CliHost
{
    public static IHost Build(string serviceName, string dataRoot, bool embedServices, out bool embedded)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Defaults first, so environment variables override them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Hosting:ShutdownTimeout"] = "00:00:10",
                ["Bus:Transport"] = "InMemory",
                ["Storage:Kind"] = "Local",
                ["Storage:Local:Root"] = Path.GetFullPath(dataRoot),
            },
        });
        builder.AddSegLoopDefaults(serviceName);
        embedded = builder.Configuration.GetValue("Bus:Transport", BusTransport.InMemory) == BusTransport.InMemory;
        if (embedded && embedServices)
        {
            EmbeddedServices.AddServices(builder.Services, builder.Configuration);
            builder.AddSegLoopBus(EmbeddedServices.AddConsumers);
        }
        else
        {
            builder.Services.AddBlobStore(builder.Configuration);
            builder.AddSegLoopBus(_ => { });
        }
        return builder.Build();
    }
}
