using Microsoft.Extensions.Logging;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Taxonomy;

/// <summary>What normalizing one task produced: the events to publish.</summary>
public sealed record NormalizationResult(AnnotationNormalized Normalized, UnmappedClassesObserved? Unmapped);

/// <summary>
/// Maps an ingested annotation document onto the common taxonomy: keeps instances of approved,
/// non-background classes (renamed to the common name, the original kept as SourceClassName) and drops
/// the rest by reason. Every output goes to a deterministic key, so running it again for the same task and
/// taxonomy rewrites the same bytes.
/// </summary>
public sealed class TaxonomyNormalizer(IBlobStore store, TaxonomyProvider taxonomyProvider, ILogger<TaxonomyNormalizer> logger)
{
    public const string DroppedBackground = "background";
    public const string DroppedNotApproved = "not-approved";
    public const string DroppedUnmapped = "unmapped";

    public async Task<NormalizationResult> NormalizeAsync(AnnotationIngested message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var taxonomy = taxonomyProvider.Current;
        var document = await store.GetJsonAsync<AnnotationDocument>(message.DocumentKey, cancellationToken: cancellationToken).ConfigureAwait(false);

        var kept = new List<AnnotationInstance>(document.Instances.Count);
        var background = 0;
        var notApproved = 0;
        var unmapped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var instance in document.Instances)
        {
            var sourceName = instance.SourceClassName ?? instance.ClassName;
            var common = taxonomy.Find(sourceName, message.Customer, message.Project);
            if (common is null)
                unmapped[sourceName] = unmapped.GetValueOrDefault(sourceName) + 1;
            else if (common.Background)
                background++;
            else if (!common.Approved)
                notApproved++;
            else
                kept.Add(instance with { ClassName = common.Name, SourceClassName = sourceName });
        }

        var normalizedKey = AnnotationKeys.Normalized(taxonomy.Version, message.Customer, message.Project, message.TaskId);
        var normalized = document with { Instances = kept, TaxonomyVersion = taxonomy.Version };
        await store.PutJsonAsync(normalizedKey, normalized, cancellationToken: cancellationToken).ConfigureAwait(false);

        var unmappedKey = TaxonomyKeys.Unmapped(message.Customer, message.Project, message.TaskId);
        UnmappedClassesObserved? observed = null;
        if (unmapped.Count > 0)
        {
            observed = new UnmappedClassesObserved
            {
                TaskId = message.TaskId,
                Customer = message.Customer,
                Project = message.Project,
                TaxonomyVersion = taxonomy.Version,
                Classes = [.. unmapped.Select(u => new UnmappedClass { Name = u.Key, Count = u.Value, Suggestions = taxonomy.Suggest(u.Key) })],
            };
            await store.PutJsonAsync(unmappedKey, observed, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The task maps fully now (e.g. after an override was added): its earlier observation is stale.
            await store.DeleteAsync(unmappedKey, cancellationToken).ConfigureAwait(false);
        }

        var unmappedCount = unmapped.Values.Sum();
        Log.TaskNormalized(logger, message.TaskId, message.Customer, message.Project, taxonomy.Version,
            kept.Count, background, notApproved, unmappedCount);
        return new NormalizationResult(
            new AnnotationNormalized
            {
                TaskId = message.TaskId,
                Customer = message.Customer,
                Project = message.Project,
                Domain = message.Domain,
                ImageKey = message.ImageKey,
                DocumentKey = normalizedKey,
                TaxonomyVersion = taxonomy.Version,
                KeptCount = kept.Count,
                DroppedCounts = new Dictionary<string, int>
                {
                    [DroppedBackground] = background,
                    [DroppedNotApproved] = notApproved,
                    [DroppedUnmapped] = unmappedCount,
                },
            },
            observed);
    }
}
