using SegLoop.Annotations;
using SegLoop.Storage;

namespace SegLoop.Ingest;

/// <summary>Deterministic keys of what Ingest itself stores (images and documents use <see cref="AnnotationKeys"/>).</summary>
public static class IngestKeys
{
    /// <summary>incoming/{customer}/{project}/{taskId}.json: a webhook task awaiting ingestion.</summary>
    public static string Incoming(string customer, string project, string taskId) =>
        BlobKey.Combine("incoming", AnnotationKeys.Segment(customer), AnnotationKeys.Segment(project), AnnotationKeys.Segment(taskId) + ".json");

    /// <summary>
    /// The customer segment of a key that holds one customer's stored data (Ingest's incoming tasks and the layouts of
    /// <see cref="AnnotationKeys"/>), or null when the key is not laid out per customer.
    /// </summary>
    public static string? CustomerSegmentOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts is ["incoming", var customer, _, ..] ? customer : AnnotationKeys.CustomerSegmentOf(key);
    }
}
