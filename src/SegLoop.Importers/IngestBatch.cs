using MassTransit;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Ingest;

namespace SegLoop.Importers;

/// <summary>What a bulk import did.</summary>
public sealed record IngestSummary
{
    public int Accepted { get; init; }
    public int Rejected { get; init; }
    public int AcceptedInstances { get; init; }

    /// <summary>Rejected tasks by reason code (a task with two codes counts under both).</summary>
    public IReadOnlyDictionary<string, int> RejectedByReason { get; init; } = new Dictionary<string, int>();

    /// <summary>Tasks that failed with an error that is not a rejection (e.g. storage unreachable), with the message.</summary>
    public IReadOnlyList<(string TaskId, string Error)> Failed { get; init; } = [];

    public IReadOnlyList<IngestOutcome> Outcomes { get; init; } = [];
}

/// <summary>Runs an importer's tasks through <see cref="IngestProcessor"/> one by one and publishes each outcome; one item's failure never stops the rest.</summary>
public sealed class IngestBatch(IngestProcessor processor, IPublishEndpoint publish)
{
    public Task<IngestSummary> RunAsync(IEnumerable<IngestRequest> requests, Action<IngestRequest, IngestOutcome?>? onItem,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return RunAsync(requests.ToAsyncEnumerable(), onItem, cancellationToken);
    }

    /// <summary>Runs the tasks as they are produced; only the outcomes are kept, never a task once it is done.</summary>
    public async Task<IngestSummary> RunAsync(IAsyncEnumerable<IngestRequest> requests, Action<IngestRequest, IngestOutcome?>? onItem,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var outcomes = new List<IngestOutcome>();
        var byReason = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failed = new List<(string, string)>();
        var firstByKey = new Dictionary<string, (string TaskId, string Image)>(StringComparer.Ordinal);
        await foreach (var request in requests.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            IngestOutcome? outcome = null;
            try
            {
                outcome = DuplicateOf(request, firstByKey) ?? await processor.ProcessAsync(request, cancellationToken).ConfigureAwait(false);
                await publish.Publish(outcome.Message, outcome.Message.GetType(), cancellationToken).ConfigureAwait(false);
                outcomes.Add(outcome);
                foreach (var code in outcome.Rejected?.Reasons.Select(r => r.Code).Distinct() ?? [])
                    byReason[code] = byReason.GetValueOrDefault(code) + 1;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed.Add((request.Payload.TaskId ?? "(none)", e.Message));
            }
            onItem?.Invoke(request, outcome);
        }
        return new IngestSummary
        {
            Accepted = outcomes.Count(o => o.Accepted),
            Rejected = outcomes.Count(o => !o.Accepted),
            AcceptedInstances = outcomes.Sum(o => o.Ingested?.InstanceCount ?? 0),
            RejectedByReason = byReason,
            Failed = failed,
            Outcomes = outcomes,
        };
    }

    /// <summary>
    /// A rejection naming both tasks when <paramref name="request"/> would be stored under the same document key as an
    /// earlier task of this import (the second would silently overwrite the first); null otherwise.
    /// </summary>
    private static IngestOutcome? DuplicateOf(IngestRequest request, Dictionary<string, (string TaskId, string Image)> firstByKey)
    {
        var p = request.Payload;
        if (string.IsNullOrWhiteSpace(p.Customer) || string.IsNullOrWhiteSpace(p.Project) || string.IsNullOrWhiteSpace(p.TaskId))
            return null;
        string key;
        try
        {
            key = AnnotationKeys.Ingested(p.Customer.Trim(), p.Project.Trim(), p.TaskId.Trim());
        }
        catch (ArgumentException)
        {
            return null; // the processor names what is wrong with the names
        }
        // Names only: keeping the request would keep every task's instances until the import ends.
        if (firstByKey.TryAdd(key, (p.TaskId, p.Image ?? "")))
            return null;
        var first = firstByKey[key];
        var reason = RejectionCodes.Of(RejectionCodes.DuplicateTask,
            $"Task '{PayloadValidator.Printable(p.TaskId)}' (image '{PayloadValidator.Printable(p.Image ?? "")}') is the same task as " +
            $"'{PayloadValidator.Printable(first.TaskId)}' (image '{PayloadValidator.Printable(first.Image)}') earlier in this import; the first is kept.",
            "taskId");
        return new IngestOutcome { Rejected = Rejections.Create(p.TaskId, p.Customer, p.Project, request.EntryPoint, [reason]) };
    }
}
