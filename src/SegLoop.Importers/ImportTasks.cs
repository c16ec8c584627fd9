namespace SegLoop.Ingest.Import;

/// <summary>An import's tasks, produced one at a time as they are enumerated, and how many there will be.</summary>
public sealed record ImportTasks(int Count, IAsyncEnumerable<IngestRequest> Requests)
{
    /// <summary>Tasks an importer built in full (VOC, label maps).</summary>
    public static ImportTasks Of(IReadOnlyList<IngestRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return new ImportTasks(requests.Count, requests.ToAsyncEnumerable());
    }
}
