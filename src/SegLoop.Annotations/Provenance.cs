namespace SegLoop.Annotations;

/// <summary>Where an annotation came from.</summary>
public sealed record Provenance
{
    public required string Customer { get; init; }
    public required string Project { get; init; }
    public required string Domain { get; init; }
    public required string SourceFormat { get; init; }
    public required string TaskId { get; init; }
}
