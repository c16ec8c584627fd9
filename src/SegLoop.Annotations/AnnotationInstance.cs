using SegLoop.Contracts;

namespace SegLoop.Annotations;

/// <summary>One object: its mask as COCO RLE in image coordinates, with area and bbox from the decoded mask.</summary>
public sealed record AnnotationInstance
{
    /// <summary>Unique within the document, stable across re-ingestion (e.g. the COCO annotation id).</summary>
    public required string Id { get; init; }
    /// <summary>The class: the customer's name in ingested documents, the common name in normalized ones.</summary>
    public required string ClassName { get; init; }
    /// <summary>The customer's original class name (kept on normalized documents).</summary>
    public string? SourceClassName { get; init; }
    public required CocoRle Rle { get; init; }
    public required long Area { get; init; }
    public required BoundingBox Bbox { get; init; }
    public bool IsCrowd { get; init; }
}
