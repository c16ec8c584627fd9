using System.Text.Json.Serialization;

namespace SegLoop.Contracts;

/// <summary>The mask found for one prompt, in image coordinates.</summary>
public sealed record PromptMask
{
    public required int PromptIndex { get; init; }
    public string? Label { get; init; }
    public required CocoRle Rle { get; init; }
    /// <summary>Outer contours and holes, each a flat [x0, y0, x1, y1, ...] list.</summary>
    [JsonConverter(typeof(PolygonsJsonConverter))]
    public required IReadOnlyList<IReadOnlyList<double>> Polygons { get; init; }
    public required BoundingBox Box { get; init; }
    public required double Score { get; init; }
}
