using MassTransit;

namespace SegLoop.Contracts;

/// <summary>An ingested document was mapped onto the common taxonomy.</summary>
[MessageUrn("segloop:annotation-normalized")]
public sealed record AnnotationNormalized
{
    public int SchemaVersion { get; init; } = 1;
    public required string TaskId { get; init; }
    public required string Customer { get; init; }
    public required string Project { get; init; }
    public required string Domain { get; init; }
    public required string ImageKey { get; init; }
    /// <summary>Storage key of the normalized document: only kept instances, with common class names.</summary>
    public required string DocumentKey { get; init; }
    /// <summary>Content hash of the taxonomy that produced this output.</summary>
    public required string TaxonomyVersion { get; init; }
    public required int KeptCount { get; init; }
    /// <summary>Dropped instance counts by reason: background, not-approved, unmapped.</summary>
    public required IReadOnlyDictionary<string, int> DroppedCounts { get; init; }
}
