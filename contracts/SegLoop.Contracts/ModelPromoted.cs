using MassTransit;

namespace SegLoop.Contracts;

/// <summary>A model version in the registry became the one Inference serves for its name.</summary>
[MessageUrn("segloop:model-promoted")]
public sealed record ModelPromoted
{
    public int SchemaVersion { get; init; } = 1;
    public required string Name { get; init; }
    public required string Version { get; init; }
    /// <summary>Storage key of the ONNX file: models/{name}/{version}/model.onnx.</summary>
    public required string ModelKey { get; init; }
    public required string Sha256 { get; init; }
}
