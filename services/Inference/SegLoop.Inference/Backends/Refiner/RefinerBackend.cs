using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends.Refiner;

/// <summary>
/// The refiner kind: a base model (an ONNX network through its own backend, batched as usual, or GrabCut) gives a
/// probability over the window; per pixel of a working frame (the window's long side at most
/// <see cref="RefinerSettings.WorkingSize"/>) <see cref="RefinerFeatures"/> adds GrabCut, colour, edges, box position
/// and clicks; a LightGBM classifier predicts the foreground probability, resized bilinearly back to the window, and
/// <see cref="MaskPostprocessor"/> finishes it as for every kind. Without a classifier it only computes features
/// (what training reads, through the same code).
/// </summary>
internal sealed class RefinerBackend : CropBackend
{
    private static readonly object OwnGroup = "refiner";
    private readonly RefinerSettings _settings;
    private readonly CropBackend? _baseBackend;
    private readonly PixelClassifier? _classifier;

    /// <param name="baseBackend">The base network's backend; null when the base is GrabCut (the GrabCut feature stands in).</param>
    public RefinerBackend(string name, string version, RefinerSettings settings, CropBackend? baseBackend, PixelClassifier? classifier)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.FeatureVersion != RefinerFeatures.Version)
            throw new ModelRegistryException($"model {name} {version} was trained on refiner features v{settings.FeatureVersion}; this build computes v{RefinerFeatures.Version}.");
        if (settings.WorkingSize is < 16 or > 2048)
            throw new ModelRegistryException($"model {name} {version}: working size {settings.WorkingSize} is outside 16..2048.");
        Model = name;
        Version = version;
        _settings = settings;
        _baseBackend = baseBackend;
        _classifier = classifier;
    }

    public override string Model { get; }

    public override string Version { get; }

    public override bool UsesClickSeeds => true;

    public override string Describe => $"refiner over {_settings.BaseModel}, {_settings.WorkingSize} px working frame";

    public RefinerSettings Settings => _settings;

    public override CropInput Prepare(Image image, PreparedPrompt prompt)
    {
        var window = prompt.Window;
        var inner = _baseBackend?.Prepare(image, prompt);
        try
        {
            var (w, h) = RefinerFeatures.WorkingSize(window.Width, window.Height, _settings.WorkingSize);
            Image working;
            using (var crop = image.Crop(window))
                working = w == window.Width && h == window.Height ? crop.Crop(new Rect(0, 0, w, h)) : crop.Resize(w, h, Interpolation.Area);
            return new CropInput { Prompt = prompt, GroupKey = inner?.GroupKey ?? OwnGroup, Crop = working, Inner = inner };
        }
        catch
        {
            inner?.Dispose();
            throw;
        }
    }

    public override StagedBatch Stage(IReadOnlyList<CropInput> batch) =>
        _baseBackend is null ? new StagedBatch(batch) : new StagedBatch(batch, _baseBackend.Stage(batch.Select(c => c.Inner!).ToList()));

    public override IReadOnlyList<CropProbabilities> Run(StagedBatch staged, CancellationToken cancellationToken)
    {
        if (_classifier is null)
            throw new InvalidOperationException($"refiner {Model} {Version} has no classifier (a features-only backend)");
        var frames = Features(staged, cancellationToken);
        var batch = staged.Crops;
        var results = new CropProbabilities[batch.Count];
        Parallel.For(0, batch.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var frame = frames[i];
            var window = batch[i].Prompt.Window;
            var probabilities = _classifier.Predict(frame.Features, frame.Width * frame.Height);
            RefinerFeatures.HoldClickDiscs(frame, probabilities);
            var values = OnnxBackend.Probabilities(probabilities, frame.Width, frame.Width, frame.Height, window.Width, window.Height, rescale: false);
            results[i] = new CropProbabilities(values, window.Width, window.Height);
        });
        return results;
    }

    /// <summary>The working frames of a staged batch: the base model run once for the batch, then features per crop.</summary>
    public IReadOnlyList<RefinerFrame> Features(StagedBatch staged, CancellationToken cancellationToken)
    {
        var batch = staged.Crops;
        var baseOutputs = RunBase(staged, cancellationToken);
        var frames = new RefinerFrame[batch.Count];
        Parallel.For(0, batch.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            frames[i] = RefinerFeatures.Compute(batch[i].Crop, baseOutputs[i], batch[i].Prompt, _settings.GrabCutIterations));
        return frames;
    }

    /// <summary>The base model's probabilities over each crop's window; nulls when the base is GrabCut.</summary>
    public IReadOnlyList<float[]?> RunBase(StagedBatch staged, CancellationToken cancellationToken) =>
        _baseBackend is null
            ? new float[]?[staged.Crops.Count]
            : _baseBackend.Run(staged.Inner!, cancellationToken).Select(o => (float[]?)o.Values).ToList();
}

/// <summary>Loads a refiner version: its settings, its ML.NET zip, and its base model from the same registry.</summary>
internal sealed class RefinerModelKind : IModelKind
{
    public async Task<LoadedModel> LoadAsync(ModelFile file, ModelLoadContext context, CancellationToken cancellationToken)
    {
        var metadata = file.Metadata;
        var settings = RefinerSettings.FromJson(metadata.Settings, $"{metadata.Name} {metadata.Version}");
        var classifier = PixelClassifier.Load(file.Bytes, $"{metadata.Name} {metadata.Version}");
        var (baseBackend, owned) = await LoadBaseAsync(settings, context, cancellationToken).ConfigureAwait(false);
        try
        {
            return new LoadedModel(new RefinerBackend(metadata.Name, metadata.Version, settings, baseBackend, classifier), owned);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>The base model's backend (null for GrabCut) and the session to dispose with the refiner.</summary>
    public static async Task<(CropBackend? Backend, IDisposable? Owned)> LoadBaseAsync(RefinerSettings settings, ModelLoadContext context,
        CancellationToken cancellationToken)
    {
        if (settings.BaseModel == GrabCutBackend.ModelName)
            return (null, null);
        var at = settings.BaseModel.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0)
            throw new ModelRegistryException($"refiner base model '{settings.BaseModel}' is neither grabcut nor name@version.");
        var (name, version) = (settings.BaseModel[..at], settings.BaseModel[(at + 1)..]);
        var file = await context.Registry.LoadAsync(name, version, settings.BaseSha256, cancellationToken).ConfigureAwait(false);
        if (file.Metadata.Backend != ModelKinds.Onnx)
            throw new ModelRegistryException($"refiner base model {settings.BaseModel} is of kind '{file.Metadata.Backend}'; a base must be an ONNX network or grabcut.");
        var preprocessing = settings.BaseInputSize is { } side ? file.Metadata.Preprocessing with { InputSize = side } : file.Metadata.Preprocessing;
        var model = OnnxModel.FromBytes(file.Bytes, context.SessionOptions, context.Logger, name: settings.BaseModel);
        try
        {
            return (new OnnxBackend(model, preprocessing, name, version), model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
