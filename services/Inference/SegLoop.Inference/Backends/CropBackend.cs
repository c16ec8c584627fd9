using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// One prompt's crop, ready for a backend: the BGR crop (native memory) and, for GrabCut, its seeds. Crops with equal
/// <see cref="GroupKey"/> can run in one batch. Crops wait here for their batch; the model's input (a 320 x 320
/// tensor is 1.2 MB) is only built when the batch runs, so waiting crops cost the garbage collector nothing.
/// </summary>
internal sealed class CropInput : IDisposable
{
    public required PreparedPrompt Prompt { get; init; }

    /// <summary>Crops with equal keys share an input size: (height, width) of the tensor, or "grabcut".</summary>
    public required object GroupKey { get; init; }

    /// <summary>The BGR crop (owned; disposed with this object).</summary>
    public required Image Crop { get; init; }

    /// <summary>
    /// Where <see cref="Crop"/> lies in the prompt's window when it is only the part of the window inside the image (a
    /// model that never saw padding); null when the crop is the whole window, padding included.
    /// </summary>
    public Rect? InsideWindow { get; init; }

    /// <summary>GrabCut: per-pixel seeds over the crop.</summary>
    public GrabCutLabel[]? Seeds { get; init; }

    /// <summary>
    /// A backend that wraps another (the refiner over its base model): the wrapped backend's input for the same prompt
    /// (owned; disposed with this object). Its <see cref="GroupKey"/> is the wrapper's, so the base model still batches.
    /// </summary>
    public CropInput? Inner { get; init; }

    public void Dispose()
    {
        Crop.Dispose();
        Inner?.Dispose();
    }
}

/// <summary>Per-pixel foreground probabilities over a prompt's crop window (Window.Width x Window.Height, row-major).</summary>
internal sealed record CropProbabilities(float[] Values, int Width, int Height);

/// <summary>
/// A batch turned into the backend's input (ONNX: one N x 3 x H x W tensor, rented from the backend's buffer pool and
/// returned on Dispose; GrabCut: the crops as they are).
/// </summary>
internal sealed class StagedBatch(IReadOnlyList<CropInput> crops, TensorBufferPool? pool = null, float[]? rentedTensor = null, int tensorLength = 0)
    : IDisposable
{
    private float[]? _rented = rentedTensor;

    /// <summary>A wrapping backend's batch: the wrapped backend's staged batch of the <see cref="CropInput.Inner"/> inputs (owned).</summary>
    public StagedBatch(IReadOnlyList<CropInput> crops, StagedBatch inner)
        : this(crops) => Inner = inner;

    public IReadOnlyList<CropInput> Crops => crops;

    public StagedBatch? Inner { get; }

    public Memory<float> Tensor => _rented is null ? Memory<float>.Empty : _rented.AsMemory(0, tensorLength);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } tensor)
            pool?.Return(tensor);
        Inner?.Dispose();
    }
}

/// <summary>A backend split into steps so the service can batch the model run across messages.</summary>
internal abstract class CropBackend
{
    public abstract string Model { get; }

    public abstract string Version { get; }

    /// <summary>The kind and how it is fed, for logs ("onnx, IsNet preprocessing", "refiner over isnet@v1").</summary>
    public virtual string Describe => Model;

    /// <summary>True when clicks steer the backend itself (GrabCut seeds); components are filtered by clicks either way.</summary>
    public abstract bool UsesClickSeeds { get; }

    /// <summary>
    /// True for a backend whose answer no click may change, not even in postprocessing, where a negative click on a
    /// component removes it: the filled-box baseline. The pipeline drops such a prompt's clicks before anything runs.
    /// </summary>
    public virtual bool IgnoresClicks => false;

    /// <summary>Cuts one prompt's crop (on the caller's thread).</summary>
    public abstract CropInput Prepare(Image image, PreparedPrompt prompt);

    /// <summary>Turns crops that share a <see cref="CropInput.GroupKey"/> into the model's input (ONNX: resample, normalise).</summary>
    public virtual StagedBatch Stage(IReadOnlyList<CropInput> batch) => new(batch);

    /// <summary>Runs a staged batch: the model alone; one result per crop, in order.</summary>
    public abstract IReadOnlyList<CropProbabilities> Run(StagedBatch batch, CancellationToken cancellationToken);

    /// <summary>Stages and runs crops that share a <see cref="CropInput.GroupKey"/>; one result per crop, in order.</summary>
    public IReadOnlyList<CropProbabilities> Run(IReadOnlyList<CropInput> batch, CancellationToken cancellationToken)
    {
        using var staged = Stage(batch);
        return Run(staged, cancellationToken);
    }
}
