using MassTransit;

namespace SegLoop.Contracts;

/// <summary>Asks Inference for masks of the objects that the prompts point at in one image.</summary>
[MessageUrn("segloop:pre-annotation-requested")]
public sealed record PreAnnotationRequested
{
    public int SchemaVersion { get; init; } = 1;
    public required string RequestId { get; init; }
    public required string ImageKey { get; init; }
    public required IReadOnlyList<Prompt> Prompts { get; init; }
    /// <summary>Model name from the registry; null for the configured default.</summary>
    public string? Model { get; init; }
    /// <summary>Probability threshold in [0, 1] applied to the model output.</summary>
    public double Threshold { get; init; } = 0.5;
    public string? Domain { get; init; }
}
