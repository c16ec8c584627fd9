namespace SegLoop.Contracts;

/// <summary>One image a ranking left out: <see cref="Code"/> is stable (image-not-found, unreadable-image, model-error).</summary>
public sealed record RankingImageFailure
{
    public required string ImageKey { get; init; }
    public required string Code { get; init; }
    public required string Reason { get; init; }
}
