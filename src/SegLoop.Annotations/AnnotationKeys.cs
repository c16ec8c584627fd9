using SegLoop.Storage;

namespace SegLoop.Annotations;

/// <summary>Deterministic storage keys, so that ingesting or normalizing the same task again rewrites the same objects.</summary>
public static class AnnotationKeys
{
    /// <summary>images/{customer}/{project}/{taskId}{extension} (extension with the dot, e.g. ".jpg").</summary>
    public static string Image(string customer, string project, string taskId, string extension) =>
        BlobKey.Combine("images", Segment(customer), Segment(project), Segment(taskId) + extension);

    /// <summary>annotations/ingested/{customer}/{project}/{taskId}.json</summary>
    public static string Ingested(string customer, string project, string taskId) =>
        BlobKey.Combine("annotations", "ingested", Segment(customer), Segment(project), Segment(taskId) + ".json");

    /// <summary>annotations/normalized/{taxonomyVersion}/{customer}/{project}/{taskId}.json</summary>
    public static string Normalized(string taxonomyVersion, string customer, string project, string taskId) =>
        BlobKey.Combine("annotations", "normalized", Segment(taxonomyVersion), Segment(customer), Segment(project), Segment(taskId) + ".json");

    /// <summary>
    /// Makes a free-form name (customer, project, task id, class) safe as one key segment: letters,
    /// digits, '-', '_' and '.' are kept, anything else becomes '_'. Throws for names that are empty or only dots.
    /// </summary>
    public static string Segment(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var chars = name.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var segment = new string(chars);
        if (segment.Trim('.').Length == 0)
            throw new InvalidBlobKeyException(name, "a name made only of dots cannot be a key segment");
        return segment;
    }
}
