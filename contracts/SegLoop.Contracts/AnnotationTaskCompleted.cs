using MassTransit;

namespace SegLoop.Contracts;

/// <summary>A completed annotation task arrived (webhook or bulk import) and awaits ingestion.</summary>
[MessageUrn("segloop:annotation-task-completed")]
public sealed record AnnotationTaskCompleted
{
    public int SchemaVersion { get; init; } = 1;
    public required string TaskId { get; init; }
    public required string Customer { get; init; }
    public required string Project { get; init; }
    public required string Domain { get; init; }
    /// <summary>Storage key of the source image.</summary>
    public required string ImageKey { get; init; }
    /// <summary>Storage key of the task's annotation payload, in <see cref="SourceFormat"/>.</summary>
    public required string AnnotationKey { get; init; }
    /// <summary>One of <see cref="SourceFormats"/>.</summary>
    public required string SourceFormat { get; init; }
    /// <summary>True when every pixel of the image is labelled (label maps, full-scene tasks).</summary>
    public bool FullScene { get; init; }
}
