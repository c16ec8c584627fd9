using MassTransit;

namespace SegLoop.Contracts;

/// <summary>A task was validated and its canonical annotation document stored.</summary>
[MessageUrn("segloop:annotation-ingested")]
public sealed record AnnotationIngested
{
    public int SchemaVersion { get; init; } = 1;
    public required string TaskId { get; init; }
    public required string Customer { get; init; }
    public required string Project { get; init; }
    public required string Domain { get; init; }
    public required string ImageKey { get; init; }
    /// <summary>Storage key of the canonical annotation document (JSON).</summary>
    public required string DocumentKey { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int InstanceCount { get; init; }
    public bool FullScene { get; init; }
}
