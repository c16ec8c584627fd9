using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// Configuration for the one-shot verbs (taxonomy, errors, dataset, models): the embedded defaults
/// (local folder store under <c>--data</c>), overridden by environment variables in the services'
/// form (<c>Storage__Kind=S3</c>, <c>Bus__RabbitMq__Host=...</c>), so the CLI reaches what the services reach.
/// </summary>
public static class CliConfiguration
{
    public static IConfiguration Build(string? dataRoot = null) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:Kind"] = "Local",
                ["Storage:Local:Root"] = Path.GetFullPath(dataRoot ?? "segloop-data"),
            })
            .AddEnvironmentVariables()
            .Build();

    /// <summary>A service provider holding the configured <see cref="IBlobStore"/> (options validated, so a bad setting names its key).</summary>
    public static ServiceProvider StorageServices(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddBlobStore(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
