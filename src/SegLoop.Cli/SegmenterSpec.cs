using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;

namespace SegLoop.Cli;

/// <summary>A <c>--segmenter</c> value that names nothing usable; the message says what was given and what is accepted.</summary>
public sealed class SegmenterSpecException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A segmenter made from <c>--segmenter</c> and the model it owns (null for GrabCut and the box); dispose after the last call.</summary>
public sealed class ResolvedSegmenter(ISegmenter segmenter, IDisposable? model) : IDisposable
{
    public ISegmenter Segmenter => segmenter;

    public void Dispose() => model?.Dispose();
}

/// <summary>
/// The one reading of <c>--segmenter NAME|NAME@VERSION|grabcut|box|onnx:PATH</c> (evaluate, rank): a registry model of
/// any kind, loaded as Inference loads it (the promoted version for a bare NAME), GrabCut, the filled prompt box (the
/// baseline), or a file with rembg defaults.
/// </summary>
public static class SegmenterSpec
{
    public const string Description =
        "grabcut, box (the filled prompt box, a baseline), onnx:PATH (rembg preprocessing), or a registered model: NAME (its promoted version) or NAME@VERSION, served as its metadata says.";

    /// <summary>
    /// Resolves <paramref name="spec"/> against the registry in <paramref name="dataRoot"/> (or Storage__Kind=S3).
    /// <paramref name="inputSize"/> replaces a resized model kind's input side (IS-Net, rembg), to trade accuracy for time.
    /// </summary>
    public static async Task<ResolvedSegmenter> ResolveAsync(string spec, string? dataRoot, int? inputSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (inputSize is < 8 or > 4096)
            throw new SegmenterSpecException($"--input-size {inputSize} must be within 8..4096.");
        if (spec == "grabcut")
            return new ResolvedSegmenter(Segmenters.GrabCut(), null);
        if (spec == "box")
            return new ResolvedSegmenter(Segmenters.FilledBox(), null);
        if (spec.StartsWith("onnx:", StringComparison.Ordinal))
        {
            var path = spec["onnx:".Length..];
            if (!File.Exists(path))
                throw new SegmenterSpecException($"--segmenter {spec}: model file {path} does not exist.");
            var file = OnnxModel.FromFile(path);
            return new ResolvedSegmenter(Segmenters.Onnx(file, Sized(new OnnxPreprocessing(), inputSize), Path.GetFileNameWithoutExtension(path)), file);
        }
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? spec : spec[..at];
        using var services = CliConfiguration.StorageServices(CliConfiguration.Build(dataRoot));
        var registry = ModelsCommand.Registry(services);
        string version;
        if (at >= 0)
        {
            version = spec[(at + 1)..];
        }
        else
        {
            var promoted = await registry.GetPromotedAsync(name, cancellationToken)
                ?? throw new SegmenterSpecException(
                    $"--segmenter '{spec}' is not grabcut, onnx:PATH, or a model with a promoted version in the registry ({Describe(dataRoot)}); " +
                    "'segloop models list' shows what is registered.");
            version = promoted.Version;
        }
        if (inputSize is null)
        {
            try
            {
                var registered = await Segmenters.FromRegistryAsync(registry, name, version, cancellationToken: cancellationToken);
                return new ResolvedSegmenter(registered, registered);
            }
            catch (ModelRegistryException e)
            {
                throw new SegmenterSpecException($"--segmenter '{spec}': {e.Message}", e);
            }
        }
        ModelFile loaded;
        try
        {
            loaded = await registry.LoadAsync(name, version, cancellationToken: cancellationToken);
        }
        catch (ModelRegistryException e)
        {
            throw new SegmenterSpecException($"--segmenter '{spec}': {e.Message}", e);
        }
        var model = OnnxModel.FromBytes(loaded.Bytes, name: $"{name}@{version}");
        return new ResolvedSegmenter(Segmenters.Onnx(model, Sized(loaded.Metadata.Preprocessing, inputSize), name, version), model);
    }

    private static OnnxPreprocessing Sized(OnnxPreprocessing preprocessing, int? inputSize) =>
        inputSize is { } side && preprocessing.Mode != PreprocessingMode.Fcn ? preprocessing with { InputSize = side } : preprocessing;

    private static string Describe(string? dataRoot) =>
        Environment.GetEnvironmentVariable("Storage__Kind") is { Length: > 0 } kind ? $"Storage__Kind={kind}" : $"--data {dataRoot ?? "segloop-data"}";
}
