using System.Text.Json;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Taxonomy;

/// <summary>One unmapped name of one customer project, summed over its tasks.</summary>
/// <param name="Name">The spellings seen that are one name once case, spacing, punctuation and simple plurals are ignored (e.g. "Bike, bikes").</param>
public sealed record UnmappedRow(string Customer, string Project, string Name, int Count, int Tasks, IReadOnlyList<string> Suggestions);

/// <summary>The aggregate, plus stored observations that could not be read (named by key).</summary>
public sealed record UnmappedReport(IReadOnlyList<UnmappedRow> Rows, IReadOnlyList<string> UnreadableKeys);

/// <summary>
/// `segloop taxonomy unmapped`: sums the per-task observations the Taxonomy service stores under
/// taxonomy/unmapped/ (one per task, rewritten on redelivery, so nothing is counted twice).
/// </summary>
public static class TaxonomyUnmapped
{
    public static async Task<UnmappedReport> AggregateAsync(IBlobStore store, string? customer = null, string? project = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (project is not null && customer is null)
            throw new ArgumentException("A project filter needs a customer filter too.", nameof(project));
        var prefix = TaxonomyKeys.UnmappedPrefix
            + (customer is null ? "" : AnnotationKeys.Segment(customer) + "/")
            + (project is null ? "" : AnnotationKeys.Segment(project) + "/");

        var groups = new Dictionary<(string Customer, string Project, string Key), Group>();
        var unreadable = new List<string>();
        await foreach (var key in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            UnmappedClassesObserved observed;
            try
            {
                observed = await store.GetJsonAsync<UnmappedClassesObserved>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or BlobNotFoundException)
            {
                unreadable.Add(key);
                continue;
            }
            if ((customer is not null && !string.Equals(observed.Customer, customer, StringComparison.OrdinalIgnoreCase))
                || (project is not null && !string.Equals(observed.Project, project, StringComparison.OrdinalIgnoreCase)))
                continue;
            foreach (var unmapped in observed.Classes)
            {
                var groupKey = (observed.Customer, observed.Project, ClassNameKey.Stem(unmapped.Name));
                if (!groups.TryGetValue(groupKey, out var group))
                    groups[groupKey] = group = new Group(unmapped.Suggestions);
                group.Spellings.Add(unmapped.Name);
                group.Count += unmapped.Count;
                group.TaskIds.Add(observed.TaskId);
            }
        }

        var rows = groups
            .Select(g => new UnmappedRow(g.Key.Customer, g.Key.Project, string.Join(", ", g.Value.Spellings), g.Value.Count, g.Value.TaskIds.Count, g.Value.Suggestions))
            .OrderByDescending(r => r.Count)
            .ThenBy(r => r.Customer, StringComparer.Ordinal)
            .ThenBy(r => r.Project, StringComparer.Ordinal)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        return new UnmappedReport(rows, unreadable);
    }

    private sealed class Group(IReadOnlyList<string> suggestions)
    {
        public SortedSet<string> Spellings { get; } = new(StringComparer.Ordinal);
        public IReadOnlyList<string> Suggestions { get; } = suggestions;
        public int Count { get; set; }
        public HashSet<string> TaskIds { get; } = new(StringComparer.Ordinal);
    }
}
