using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// One prompt's crop, ready for a backend: GrabCut's crop image and seeds, or the model's input tensor.
/// Crops with equal <see cref="GroupKey"/> can run in one batch.
/// </summary>
internal sealed class CropInput : IDisposable
{
    public required PreparedPrompt Prompt { get; init; }

    /// <summary>Crops with equal keys share an input size: (height, width) of the tensor, or "grabcut".</summary>
    public required object GroupKey { get; init; }

    /// <summary>GrabCut: the BGR crop (owned; disposed with this object).</summary>
    public Image? Crop { get; init; }

    /// <summary>GrabCut: per-pixel seeds over the crop.</summary>
    public GrabCutLabel[]? Seeds { get; init; }

    /// <summary>ONNX: this sample's 3 x H x W tensor.</summary>
    public float[]? Tensor { get; init; }

    public int TensorWidth { get; init; }

    public int TensorHeight { get; init; }

    public void Dispose() => Crop?.Dispose();
}

/// <summary>Per-pixel foreground probabilities over a prompt's crop window (Window.Width x Window.Height, row-major).</summary>
internal sealed record CropProbabilities(float[] Values, int Width, int Height);

/// <summary>A backend split into its three steps so the service can batch the middle one across messages.</summary>
internal abstract class CropBackend
{
    public abstract string Model { get; }

    public abstract string Version { get; }

    /// <summary>True when clicks steer the backend itself (GrabCut seeds); components are filtered by clicks either way.</summary>
    public abstract bool UsesClickSeeds { get; }

    /// <summary>Cuts and converts one prompt's crop (CPU work on the caller's thread).</summary>
    public abstract CropInput Prepare(Image image, PreparedPrompt prompt);

    /// <summary>Runs crops that share a <see cref="CropInput.GroupKey"/>; one result per crop, in order.</summary>
    public abstract IReadOnlyList<CropProbabilities> Run(IReadOnlyList<CropInput> batch, CancellationToken cancellationToken);
}
