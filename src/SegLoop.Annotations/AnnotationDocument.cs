namespace SegLoop.Annotations;

/// <summary>
/// One image's annotations in canonical form. Ingest writes it with customer class names; Taxonomy
/// writes a normalized copy holding only kept instances, with common class names and the taxonomy version.
/// </summary>
public sealed record AnnotationDocument
{
    public int SchemaVersion { get; init; } = 1;
    public required string ImageKey { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public bool FullScene { get; init; }
    public required Provenance Provenance { get; init; }
    public required IReadOnlyList<AnnotationInstance> Instances { get; init; }
    /// <summary>Set on normalized documents: the taxonomy's content hash.</summary>
    public string? TaxonomyVersion { get; init; }
}
