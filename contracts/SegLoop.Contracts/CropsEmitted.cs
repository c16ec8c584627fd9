using MassTransit;

namespace SegLoop.Contracts;

/// <summary>Training crops (and their masks) were written for one source image.</summary>
[MessageUrn("segloop:crops-emitted")]
public sealed record CropsEmitted
{
    public int SchemaVersion { get; init; } = 1;
    public required string TaskId { get; init; }
    public required string Domain { get; init; }
    public required string ImageKey { get; init; }
    public required string TaxonomyVersion { get; init; }
    /// <summary>Storage key of this image's JSON-lines manifest rows.</summary>
    public required string ManifestKey { get; init; }
    public required IReadOnlyList<string> CropKeys { get; init; }
    /// <summary>Instances not cropped, by reason: too-small, crowd.</summary>
    public required IReadOnlyDictionary<string, int> SkippedCounts { get; init; }
}
