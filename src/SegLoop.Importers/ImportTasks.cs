using SegLoop.Ingest;

namespace SegLoop.Importers;

/// <summary>An import's tasks, produced one at a time as they are enumerated, and how many there will be.</summary>
public sealed record ImportTasks(int Count, IAsyncEnumerable<IngestRequest> Requests)
{
    /// <summary>One task per source file, each built only when it is asked for.</summary>
    public static ImportTasks Lazily(IReadOnlyList<string> sources, Func<string, IngestRequest> toRequest)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(toRequest);
        return new ImportTasks(sources.Count, sources.Select(toRequest).ToAsyncEnumerable());
    }

    /// <summary>Every task in a list (small exports and tests).</summary>
    public async Task<IReadOnlyList<IngestRequest>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<IngestRequest>(Count);
        await foreach (var request in Requests.WithCancellation(cancellationToken).ConfigureAwait(false))
            list.Add(request);
        return list;
    }
}
