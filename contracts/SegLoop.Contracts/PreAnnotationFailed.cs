using MassTransit;

namespace SegLoop.Contracts;

/// <summary>A request could not be answered; <see cref="Reason"/> names the problem.</summary>
[MessageUrn("segloop:pre-annotation-failed")]
public sealed record PreAnnotationFailed
{
    public int SchemaVersion { get; init; } = 1;
    public required string RequestId { get; init; }
    public required string ImageKey { get; init; }
    public string? Model { get; init; }
    /// <summary>Stable code: image-not-found, unknown-model, bad-prompt, model-error.</summary>
    public required string Code { get; init; }
    public required string Reason { get; init; }
}
