using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.ModelRuntime;

namespace SegLoop.Inference.Models;

/// <summary>
/// The models this process serves: GrabCut (built in) and the promoted version of each registry model, loaded on
/// first use with its SHA-256 checked by the kind its metadata names (<see cref="ModelKinds"/>), swapped on
/// <see cref="ModelPromoted"/>.
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    private readonly ModelRegistry _registry;
    private readonly IOptions<OnnxModelOptions> _onnxOptions;
    private readonly ILogger<ModelCatalog> _logger;
    private readonly ConcurrentDictionary<string, ModelHolder> _current = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private readonly ModelHolder _grabCut;
    private readonly int _maxConcurrentBatches;

    public ModelCatalog(ModelRegistry registry, IOptions<InferenceOptions> options, IOptions<OnnxModelOptions> onnxOptions, ILogger<ModelCatalog> logger)
    {
        _registry = registry;
        _onnxOptions = onnxOptions;
        _logger = logger;
        _maxConcurrentBatches = options.Value.Batching.MaxConcurrentBatches;
        _grabCut = new ModelHolder(new GrabCutBackend(options.Value.GrabCutIterations, options.Value.ClickRadius), owned: null);
        _grabCutIterations = options.Value.GrabCutIterations;
        _clickRadius = options.Value.ClickRadius;
    }

    private readonly int _grabCutIterations;
    private readonly int _clickRadius;

    private ModelLoadContext LoadContext =>
        new(_registry, SessionOptions(_onnxOptions.Value, _maxConcurrentBatches), _grabCutIterations, _clickRadius, _logger);

    /// <summary>The model served when neither the request nor Inference:DefaultModel names one, if it is promoted.</summary>
    public const string PreferredDefault = "isnet";

    // Set when the registry had no promoted IS-Net; cleared when one is promoted to this process.
    private volatile bool _preferredAbsent;

    /// <summary>
    /// The model for a request that names none: <paramref name="configured"/> (Inference:DefaultModel) when set, else
    /// IS-Net when the registry has a promoted version of it, else GrabCut. The registry is asked once, not per request.
    /// </summary>
    public async Task<string> DefaultModelAsync(string? configured, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configured))
            return configured;
        if (_current.ContainsKey(PreferredDefault))
            return PreferredDefault;
        if (_preferredAbsent)
            return GrabCutBackend.ModelName;
        var promoted = await _registry.GetPromotedAsync(PreferredDefault, cancellationToken).ConfigureAwait(false);
        _preferredAbsent = promoted is null;
        return promoted is null ? GrabCutBackend.ModelName : PreferredDefault;
    }

    /// <summary>A lease on the current version of <paramref name="name"/>; null when the registry has no promoted version of it.</summary>
    internal async Task<ModelLease?> AcquireAsync(string name, CancellationToken cancellationToken)
    {
        if (name == GrabCutBackend.ModelName)
            return _grabCut.TryAcquire();
        while (true)
        {
            if (_current.TryGetValue(name, out var holder))
            {
                if (holder.TryAcquire() is { } lease)
                    return lease;
                continue; // swapped out between the read and the acquire: read again
            }
            var promoted = await _registry.GetPromotedAsync(name, cancellationToken).ConfigureAwait(false);
            if (promoted is null)
                return null;
            await LoadAsync(name, promoted.Version, promoted.Sha256, onlyIfAbsent: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The batcher runs up to MaxConcurrentBatches model runs at once; with ModelRuntime:IntraOpThreads left at 0
    /// each run would get a thread per core, so the runs oversubscribe the cores (and ONNX Runtime's idle threads
    /// spin) while the same cores also decode and prepare the next crops. Auto divides the cores among the runs.
    /// An explicit IntraOpThreads is kept.
    /// </summary>
    internal static OnnxModelOptions SessionOptions(OnnxModelOptions configured, int maxConcurrentBatches)
    {
        return configured.IntraOpThreads != 0
            ? configured
            : configured.WithIntraOpThreads(Math.Max(1, Environment.ProcessorCount / Math.Max(1, maxConcurrentBatches)));
    }

    /// <summary>Loads the promoted version and makes it current; requests already holding the old one finish on it.</summary>
    public async Task PromoteAsync(ModelPromoted message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await LoadAsync(message.Name, message.Version, message.Sha256, onlyIfAbsent: false, cancellationToken).ConfigureAwait(false);
        if (message.Name == PreferredDefault)
            _preferredAbsent = false;
    }

    private async Task LoadAsync(string name, string version, string sha256, bool onlyIfAbsent, CancellationToken cancellationToken)
    {
        await _loadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current.TryGetValue(name, out var existing) && (onlyIfAbsent || existing.Backend.Version == version))
                return;
            var loaded = await ModelKinds.LoadAsync(name, version, sha256, LoadContext, cancellationToken).ConfigureAwait(false);
            var holder = new ModelHolder(loaded.Backend, loaded.Owned);
            Log.ModelLoaded(_logger, name, version, sha256, loaded.Backend.Describe);
            _current[name] = holder;
            if (existing is not null)
            {
                Log.ModelSwapped(_logger, name, existing.Backend.Version, version);
                existing.Release();
            }
        }
        finally
        {
            _loadLock.Release();
        }
    }

    public void Dispose()
    {
        foreach (var holder in _current.Values)
            holder.Release();
        _current.Clear();
        _loadLock.Dispose();
    }
}
