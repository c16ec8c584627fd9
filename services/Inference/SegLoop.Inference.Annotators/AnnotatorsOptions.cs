using System.ComponentModel.DataAnnotations;

namespace SegLoop.Inference.Annotators;

/// <summary>Settings under "Annotators": the Label Studio ML backend and the CVAT interactor.</summary>
public sealed class AnnotatorsOptions
{
    public const string SectionName = "Annotators";

    /// <summary>Annotators:Model: "grabcut" (default) or the registry name of a promoted ONNX model (e.g. "isnet").</summary>
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,63}$", ErrorMessage = "must be a model name: lower-case letters, digits, '.', '_' or '-'.")]
    public string Model { get; set; } = "grabcut";

    /// <summary>Annotators:Threshold: probability above which a pixel is in the mask (0 to 1, default 0.5).</summary>
    [Range(0.0, 1.0)]
    public double Threshold { get; set; } = 0.5;

    /// <summary>Annotators:ImagePrefix: images are read only from store keys under this prefix (default "images/").</summary>
    [Required]
    public string ImagePrefix { get; set; } = "images/";

    /// <summary>Annotators:MaxBodyBytes: largest request body (default 32 MiB, CVAT's own limit for interactors).</summary>
    [Range(1024L, 1L << 30)]
    public long MaxBodyBytes { get; set; } = 32L << 20;

    /// <summary>Annotators:MaxImagePixels: larger images are refused before decoding (default 100 M).</summary>
    [Range(1L, 1_000_000_000L)]
    public long MaxImagePixels { get; set; } = 100_000_000;

    /// <summary>Annotators:BasicAuthUser: with a password, every call needs HTTP basic auth (Label Studio's "Use basic auth").</summary>
    public string? BasicAuthUser { get; set; }

    /// <summary>Annotators:BasicAuthPassword. Secret.</summary>
    public string? BasicAuthPassword { get; set; }

    /// <summary>Annotators:BasicAuthPasswordFile: a file holding the password (k8s mounts one).</summary>
    public string? BasicAuthPasswordFile { get; set; }

    internal string? Password() =>
        !string.IsNullOrWhiteSpace(BasicAuthPasswordFile) ? File.ReadAllText(BasicAuthPasswordFile).Trim()
        : string.IsNullOrEmpty(BasicAuthPassword) ? null : BasicAuthPassword;
}
