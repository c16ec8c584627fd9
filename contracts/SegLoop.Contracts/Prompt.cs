namespace SegLoop.Contracts;

/// <summary>One object to segment: a box, or four extreme points (left, top, right, bottom), plus optional clicks.</summary>
public sealed record Prompt
{
    public BoundingBox? Box { get; init; }
    /// <summary>Four extreme points; the box is derived from them and they are kept as hints.</summary>
    public IReadOnlyList<ImagePoint>? ExtremePoints { get; init; }
    public IReadOnlyList<Click> Clicks { get; init; } = [];
    /// <summary>Caller's own id for this prompt (e.g. a COCO annotation id), echoed in the result.</summary>
    public string? Label { get; init; }
}
