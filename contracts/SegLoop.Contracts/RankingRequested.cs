using MassTransit;

namespace SegLoop.Contracts;

/// <summary>
/// Asks Inference to rank images by the model's uncertainty (a nightly job choosing what to label next). The answer is
/// <see cref="RankingCompleted"/> with the outputs under rankings/{RequestId}/, or <see cref="RankingFailed"/>.
/// </summary>
[MessageUrn("segloop:ranking-requested")]
public sealed record RankingRequested
{
    public int SchemaVersion { get; init; } = 1;
    /// <summary>Names the output folder rankings/{RequestId}/: a redelivery rewrites the same keys.</summary>
    public required string RequestId { get; init; }
    /// <summary>Storage keys of the images; each is ranked as a whole (its prompt is the whole image).</summary>
    public required IReadOnlyList<string> ImageKeys { get; init; }
    /// <summary>Model name from the registry; null for the configured default.</summary>
    public string? Model { get; init; }
    /// <summary>Stochastic passes per image (D), 1..32.</summary>
    public int Passes { get; init; } = 10;
    /// <summary>How many superpixels, the most uncertain across all images, superpixels.json keeps.</summary>
    public int TopSuperpixels { get; init; } = 100;
}
