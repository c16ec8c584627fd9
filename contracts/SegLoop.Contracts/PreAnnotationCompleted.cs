using MassTransit;

namespace SegLoop.Contracts;

/// <summary>Masks for every prompt of a request, also written as COCO results JSON at <see cref="ResultsKey"/>.</summary>
[MessageUrn("segloop:pre-annotation-completed")]
public sealed record PreAnnotationCompleted
{
    public int SchemaVersion { get; init; } = 1;
    public required string RequestId { get; init; }
    public required string ImageKey { get; init; }
    public required string Model { get; init; }
    public required string ModelVersion { get; init; }
    public required string ResultsKey { get; init; }
    public required IReadOnlyList<PromptMask> Masks { get; init; }
}
