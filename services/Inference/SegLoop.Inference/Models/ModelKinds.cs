using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Backends.Refiner;
using SegLoop.ModelRuntime;

namespace SegLoop.Inference.Models;

/// <summary>What a model kind may use to turn a registry file into a backend.</summary>
/// <param name="Registry">The registry the version came from (a refiner loads its base model from it).</param>
/// <param name="SessionOptions">ONNX Runtime session options for any network the kind loads.</param>
/// <param name="GrabCutIterations">Inference:GrabCutIterations, for kinds that run GrabCut.</param>
/// <param name="ClickRadius">Inference:ClickRadius.</param>
internal sealed record ModelLoadContext(ModelRegistry Registry, OnnxModelOptions SessionOptions, int GrabCutIterations, int ClickRadius, ILogger Logger);

/// <summary>A loaded model version: the backend that serves it and what to dispose after its last request.</summary>
internal sealed record LoadedModel(CropBackend Backend, IDisposable? Owned);

/// <summary>One model kind: how a registered version of it (its metadata and artefact) becomes a <see cref="CropBackend"/>.</summary>
internal interface IModelKind
{
    Task<LoadedModel> LoadAsync(ModelFile file, ModelLoadContext context, CancellationToken cancellationToken);
}

/// <summary>
/// The one place a model kind is registered: <see cref="ModelMetadata.Backend"/> picks the kind, the kind builds the
/// backend. The catalog (Inference), <c>segloop evaluate</c>, <c>prelabel</c> and training all load models through
/// <see cref="LoadAsync"/>, so every kind is served the same way everywhere. Adding a kind: a <see cref="CropBackend"/>,
/// an <see cref="IModelKind"/> for it, and one line below.
/// </summary>
public static class ModelKinds
{
    /// <summary>An ONNX network fed as its <see cref="OnnxPreprocessing"/> says (<see cref="OnnxBackend"/>).</summary>
    public const string Onnx = "onnx";

    /// <summary>A LightGBM pixel classifier over a base model's probabilities and image features (<see cref="RefinerBackend"/>).</summary>
    public const string Refiner = "refiner";

    private static readonly FrozenDictionary<string, IModelKind> Kinds = new Dictionary<string, IModelKind>(StringComparer.Ordinal)
    {
        [Onnx] = new OnnxModelKind(),
        [Refiner] = new RefinerModelKind(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Known => Kinds.Keys;

    public static bool IsKnown(string? kind) => kind is not null && Kinds.ContainsKey(kind);

    /// <summary>Reads a version (its SHA-256 checked) and builds its backend with the kind its metadata names.</summary>
    internal static async Task<LoadedModel> LoadAsync(string name, string version, string? sha256, ModelLoadContext context,
        CancellationToken cancellationToken)
    {
        var file = await context.Registry.LoadAsync(name, version, sha256, cancellationToken).ConfigureAwait(false);
        if (!Kinds.TryGetValue(file.Metadata.Backend, out var kind))
            throw new ModelRegistryException(
                $"model {name} version {version} is of kind '{file.Metadata.Backend}', which this build does not serve (known: {string.Join(", ", Known)}).");
        return await kind.LoadAsync(file, context, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The ONNX kind: one <see cref="OnnxModel"/> session per version, fed by <see cref="OnnxBackend"/>.</summary>
internal sealed class OnnxModelKind : IModelKind
{
    public Task<LoadedModel> LoadAsync(ModelFile file, ModelLoadContext context, CancellationToken cancellationToken)
    {
        var metadata = file.Metadata;
        var model = OnnxModel.FromBytes(file.Bytes, context.SessionOptions, context.Logger, name: $"{metadata.Name}@{metadata.Version}");
        try
        {
            return Task.FromResult(new LoadedModel(new OnnxBackend(model, metadata.Preprocessing, metadata.Name, metadata.Version), model));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
