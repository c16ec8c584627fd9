using SegLoop.Annotations;
using SegLoop.Storage;

namespace SegLoop.Ingest;

/// <summary>Deterministic keys of what Ingest itself stores (images and documents use <see cref="AnnotationKeys"/>).</summary>
public static class IngestKeys
{
    /// <summary>incoming/{customer}/{project}/{taskId}.json: a webhook task awaiting ingestion.</summary>
    public static string Incoming(string customer, string project, string taskId) =>
        BlobKey.Combine("incoming", AnnotationKeys.Segment(customer), AnnotationKeys.Segment(project), AnnotationKeys.Segment(taskId) + ".json");
}
