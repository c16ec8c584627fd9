namespace SegLoop.Contracts;

/// <summary>One reason an input was refused: a stable code and a sentence that names the problem.</summary>
public sealed record Rejection
{
    public required string Code { get; init; }
    public required string Detail { get; init; }
    /// <summary>The item inside the input the reason is about (instance id, file name, field), if any.</summary>
    public string? Item { get; init; }
}
