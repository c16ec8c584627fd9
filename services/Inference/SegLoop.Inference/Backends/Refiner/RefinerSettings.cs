using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Inference.Backends.Refiner;

/// <summary>A refiner version's settings, kept in its metadata.json (<c>settings</c>) next to the ML.NET zip.</summary>
public sealed record RefinerSettings
{
    /// <summary>The model whose probability is the first feature: "grabcut", or a registry version "name@version" (ONNX).</summary>
    public required string BaseModel { get; init; }

    /// <summary>SHA-256 of the base model's file, checked when the refiner loads it; null for GrabCut.</summary>
    public string? BaseSha256 { get; init; }

    /// <summary>The base network's square input side, overriding its own metadata (IS-Net: 320 instead of 1024, ten times cheaper).</summary>
    public int? BaseInputSize { get; init; }

    /// <summary>The long side, in pixels, of the working frame the features and the classifier see (a smaller window is not enlarged).</summary>
    public int WorkingSize { get; init; } = 192;

    /// <summary>GrabCut iterations for the GrabCut feature.</summary>
    public int GrabCutIterations { get; init; } = 3;

    /// <summary>What the classifier was trained with; a zip from another feature set is refused.</summary>
    public int FeatureVersion { get; init; } = RefinerFeatures.Version;

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, JsonOptions);

    public static RefinerSettings FromJson(JsonElement? json, string model) =>
        json is { ValueKind: JsonValueKind.Object } element
            ? element.Deserialize<RefinerSettings>(JsonOptions) ?? throw new Models.ModelRegistryException($"model {model}: refiner settings are null.")
            : throw new Models.ModelRegistryException($"model {model} is a refiner but its metadata has no settings object.");
}
