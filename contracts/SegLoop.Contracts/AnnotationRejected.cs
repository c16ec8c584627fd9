using MassTransit;

namespace SegLoop.Contracts;

/// <summary>An input (a task, or one item of a bulk import) was refused, with every reason.</summary>
[MessageUrn("segloop:annotation-rejected")]
public sealed record AnnotationRejected
{
    public int SchemaVersion { get; init; } = 1;
    public required string TaskId { get; init; }
    public string? Customer { get; init; }
    public string? Project { get; init; }
    /// <summary>Where the input came in: webhook, cli:coco, cli:voc, cli:label-map, bus.</summary>
    public required string EntryPoint { get; init; }
    public required IReadOnlyList<Rejection> Reasons { get; init; }
}
