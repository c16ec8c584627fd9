using SegLoop.Annotations;
using SegLoop.Storage;

namespace SegLoop.CropBuilder;

/// <summary>Deterministic keys of crops, masks and manifests, so a redelivered message rewrites the same objects.</summary>
public static class CropKeys
{
    public const string CropsRoot = "crops";
    public const string ManifestsRoot = "crop-manifests";

    /// <summary>A crop id unique across customers and projects: {customer}-{project}-{taskId}-{instanceId}, one-to-one (<see cref="AnnotationKeys.Compound"/>).</summary>
    public static string CropId(string customer, string project, string taskId, string instanceId) =>
        AnnotationKeys.Compound(customer, project, taskId, instanceId);

    /// <summary>crops/{taxonomyVersion}/{domain}/{class}/{cropId}.jpg</summary>
    public static string Crop(string taxonomyVersion, string domain, string className, string cropId) =>
        BlobKey.Combine(CropsRoot, AnnotationKeys.Segment(taxonomyVersion), AnnotationKeys.Segment(domain),
            AnnotationKeys.Segment(className), cropId + ".jpg");

    /// <summary>crops/{taxonomyVersion}/{domain}/{class}/{cropId}.mask.png</summary>
    public static string Mask(string taxonomyVersion, string domain, string className, string cropId) =>
        BlobKey.Combine(CropsRoot, AnnotationKeys.Segment(taxonomyVersion), AnnotationKeys.Segment(domain),
            AnnotationKeys.Segment(className), cropId + ".mask.png");

    /// <summary>crop-manifests/{taxonomyVersion}/{customer}/{project}/{taskId}.jsonl: one per source image.</summary>
    public static string Manifest(string taxonomyVersion, string customer, string project, string taskId) =>
        BlobKey.Combine(ManifestsRoot, AnnotationKeys.Segment(taxonomyVersion), AnnotationKeys.Segment(customer),
            AnnotationKeys.Segment(project), AnnotationKeys.Segment(taskId) + ".jsonl");

    /// <summary>Prefix of every manifest of <paramref name="taxonomyVersion"/>, or of all when it is null or empty.</summary>
    public static string ManifestPrefix(string? taxonomyVersion) =>
        string.IsNullOrEmpty(taxonomyVersion) ? ManifestsRoot + "/" : $"{ManifestsRoot}/{AnnotationKeys.Segment(taxonomyVersion)}/";
}
