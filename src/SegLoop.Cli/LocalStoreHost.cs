using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// The host of the offline verbs over a store (dataset, export): warnings only, and the local folder <c>--data</c> as
/// the store unless <c>Storage:*</c> settings in the environment name another. Callers add their services and build.
/// </summary>
internal static class LocalStoreHost
{
    public static HostApplicationBuilder CreateBuilder(DirectoryInfo data)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Storage:Kind"] = "Local",
                ["Storage:Local:Root"] = data.FullName,
            },
        });
        builder.Services.AddBlobStore(builder.Configuration);
        return builder;
    }
}
