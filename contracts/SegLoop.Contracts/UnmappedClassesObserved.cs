using MassTransit;

namespace SegLoop.Contracts;

/// <summary>Class names seen in a task that nobody has mapped onto the common taxonomy yet.</summary>
[MessageUrn("segloop:unmapped-classes-observed")]
public sealed record UnmappedClassesObserved
{
    public int SchemaVersion { get; init; } = 1;
    public required string TaskId { get; init; }
    public required string Customer { get; init; }
    public required string Project { get; init; }
    public required string TaxonomyVersion { get; init; }
    public required IReadOnlyList<UnmappedClass> Classes { get; init; }
}
