using System.ComponentModel.DataAnnotations;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using SegLoop.Storage.Local;
using SegLoop.Storage.S3;

namespace SegLoop.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IBlobStore"/> as chosen by <c>Storage:Kind</c>: <c>Local</c> (default, folder
    /// <c>Storage:Local:Root</c>) or <c>S3</c> (section <c>Storage:S3</c>). Settings are validated when the
    /// host starts; a bad one stops it with a message that names the key.
    /// </summary>
    public static IServiceCollection AddBlobStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>>(new SectionValidator<StorageOptions>(StorageOptions.SectionName, _ => true));

        services.AddOptions<LocalStorageOptions>().Bind(configuration.GetSection(LocalStorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalStorageOptions>>(sp =>
            new SectionValidator<LocalStorageOptions>(LocalStorageOptions.SectionName, _ => KindOf(sp) == StorageKind.Local));

        services.AddOptions<S3StorageOptions>().Bind(configuration.GetSection(S3StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<S3StorageOptions>>(sp =>
            new SectionValidator<S3StorageOptions>(S3StorageOptions.SectionName, _ => KindOf(sp) == StorageKind.S3));

        // TryAdd: a TimeProvider or IAmazonS3 registered before (tests, a host's own client) wins.
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAmazonS3>(sp => S3ClientFactory.Create(sp.GetRequiredService<IOptions<S3StorageOptions>>().Value));
        services.AddKeyedSingleton<ResiliencePipeline>(S3RetryPipeline.Key, (sp, _) =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(S3BlobStore));
            return S3RetryPipeline.Create(sp.GetRequiredService<IOptions<S3StorageOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
                args => Log.Retrying(logger, args.Outcome.Exception?.Message ?? "no exception", args.AttemptNumber + 1, args.RetryDelay));
        });
        services.AddSingleton<IBlobStore>(sp => KindOf(sp) switch
        {
            StorageKind.S3 => new S3BlobStore(
                sp.GetRequiredService<IAmazonS3>(),
                sp.GetRequiredService<IOptions<S3StorageOptions>>().Value,
                sp.GetRequiredKeyedService<ResiliencePipeline>(S3RetryPipeline.Key),
                sp.GetRequiredService<ILogger<S3BlobStore>>()),
            _ => new LocalFolderBlobStore(sp.GetRequiredService<IOptions<LocalStorageOptions>>().Value.Root),
        });
        services.AddSingleton<IBlobStoreFactory, BlobStoreFactory>();
        return services;
    }

    private static StorageKind KindOf(IServiceProvider services) => services.GetRequiredService<IOptions<StorageOptions>>().Value.Kind;

    /// <summary>DataAnnotations (and IValidatableObject) validation whose messages name the configuration key.</summary>
    private sealed class SectionValidator<TOptions>(string section, Func<TOptions, bool> applies) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            if (!applies(options))
                return ValidateOptionsResult.Skip;
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
                return ValidateOptionsResult.Success;
            return ValidateOptionsResult.Fail(results.Select(r =>
                r.ErrorMessage is { } message && message.Contains(section, StringComparison.Ordinal)
                    ? message
                    : $"{section}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
