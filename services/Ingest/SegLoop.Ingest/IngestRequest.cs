using SegLoop.Contracts;

namespace SegLoop.Ingest;

/// <summary>One task to ingest, with where it came from.</summary>
public sealed record IngestRequest(TaskPayload Payload, string EntryPoint, string SourceFormat)
{
    /// <summary>
    /// Where <see cref="TaskPayload.Image"/> is read from for bulk imports (a folder or a source bucket); null:
    /// the image is a key in the SegLoop store, or a URL.
    /// </summary>
    public IImageSource? ImageSource { get; init; }

    /// <summary>Problems the importer found while turning its export into the payload (an unreadable label PNG, an unknown category).</summary>
    public IReadOnlyList<Rejection> ImportProblems { get; init; } = [];
}

/// <summary>The result of one task: exactly one of the two events, ready to publish.</summary>
public sealed record IngestOutcome
{
    public AnnotationIngested? Ingested { get; init; }
    public AnnotationRejected? Rejected { get; init; }

    public bool Accepted => Ingested is not null;

    public object Message => (object?)Ingested ?? Rejected!;
}

/// <summary>Images of a bulk import, read by the name a payload gives.</summary>
public interface IImageSource
{
    /// <summary>A display form of the source (folder or s3://bucket/prefix).</summary>
    string Description { get; }

    /// <summary>The bytes of <paramref name="name"/>; throws <see cref="FileNotFoundException"/> when it is missing.</summary>
    Task<byte[]> ReadAsync(string name, long maxBytes, CancellationToken cancellationToken);
}
