namespace SegLoop.Contracts;

/// <summary>A customer class name no taxonomy entry or override maps, with the nearest common classes.</summary>
public sealed record UnmappedClass
{
    public required string Name { get; init; }
    public required int Count { get; init; }
    public required IReadOnlyList<string> Suggestions { get; init; }
}
