using MassTransit;

namespace SegLoop.Contracts;

/// <summary>A ranking request could not be answered at all; <see cref="Reason"/> names the problem.</summary>
[MessageUrn("segloop:ranking-failed")]
public sealed record RankingFailed
{
    public int SchemaVersion { get; init; } = 1;
    public required string RequestId { get; init; }
    /// <summary>Stable code: bad-request, unknown-model, no-images, no-readable-image.</summary>
    public required string Code { get; init; }
    public required string Reason { get; init; }
    /// <summary>Per-image reasons when no image could be ranked.</summary>
    public IReadOnlyList<RankingImageFailure>? Failures { get; init; }
}
