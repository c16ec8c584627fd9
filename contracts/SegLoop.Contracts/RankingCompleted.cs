using MassTransit;

namespace SegLoop.Contracts;

/// <summary>A ranking was written: ranking.csv, superpixels.json and report.html under rankings/{RequestId}/.</summary>
[MessageUrn("segloop:ranking-completed")]
public sealed record RankingCompleted
{
    public int SchemaVersion { get; init; } = 1;
    public required string RequestId { get; init; }
    public required string Model { get; init; }
    public required string ModelVersion { get; init; }
    public required int Passes { get; init; }
    public required string RankingKey { get; init; }
    public required string SuperpixelsKey { get; init; }
    public required string ReportKey { get; init; }
    /// <summary>Images ranked (rows of ranking.csv).</summary>
    public required int Ranked { get; init; }
    /// <summary>Images left out, each with its reason (unreadable, missing); the rest were ranked.</summary>
    public required IReadOnlyList<RankingImageFailure> Failures { get; init; }
}
