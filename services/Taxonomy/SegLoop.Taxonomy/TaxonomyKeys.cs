using SegLoop.Annotations;
using SegLoop.Storage;

namespace SegLoop.Taxonomy;

/// <summary>Deterministic storage keys the Taxonomy service owns.</summary>
public static class TaxonomyKeys
{
    /// <summary>Prefix of every stored unmapped-class observation.</summary>
    public const string UnmappedPrefix = "taxonomy/unmapped/";

    /// <summary>
    /// taxonomy/unmapped/{customer}/{project}/{taskId}.json: the latest observation for one task (an
    /// <see cref="SegLoop.Contracts.UnmappedClassesObserved"/> as JSON). A redelivery or re-normalization
    /// rewrites it, so aggregating these never counts a task twice.
    /// </summary>
    public static string Unmapped(string customer, string project, string taskId) =>
        BlobKey.Combine("taxonomy", "unmapped", AnnotationKeys.Segment(customer), AnnotationKeys.Segment(project),
            AnnotationKeys.Segment(taskId) + ".json");
}
