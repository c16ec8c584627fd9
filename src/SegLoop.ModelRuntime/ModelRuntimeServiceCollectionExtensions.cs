using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace SegLoop.ModelRuntime;

public static class ModelRuntimeServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="OnnxModelOptions"/> ("ModelRuntime") at start and registers the model downloader.</summary>
    public static IServiceCollection AddModelRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OnnxModelOptions>()
            .BindConfiguration(OnnxModelOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient<ModelDownloader>();
        return services;
    }
}
