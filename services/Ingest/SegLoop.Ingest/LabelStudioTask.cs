using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Interop.LabelStudio;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest;

/// <summary>
/// One Label Studio task as an ingest task: its last annotation that was not cancelled, polygonlabels and
/// rectanglelabels as polygons in pixels, brushlabels as masks (brush RLE decoded as label-studio-converter does);
/// other result types (choices, keypoints, text) are left out. The task id is Label Studio's, so a later export or
/// webhook event of the same task rewrites the same keys. The JSON export import (<c>segloop ingest labelstudio</c>)
/// and Ingest's Label Studio webhook both map tasks with it; they differ only in how an image URL names the image.
/// </summary>
public static class LabelStudioTask
{
    /// <param name="imageOf">The image an image URL names (a file name for an export, a storage key for the webhook), or null when it names none.</param>
    public static IngestRequest ToRequest(LsTask task, int index, string? customer, string? project, string? domain,
        Func<string, string?> imageOf, IImageSource? imageSource, string entryPoint)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(imageOf);
        var problems = new List<Rejection>();
        var url = ImageUrl(task);
        var image = url is null ? null : imageOf(url);
        if (url is null)
            problems.Add(RejectionCodes.Of(RejectionCodes.MissingField, $"Task {task.Id ?? $"#{index}"} has no image URL in data.", "data.image"));
        else if (image is null)
            problems.Add(RejectionCodes.Of(RejectionCodes.InvalidField, $"Task {task.Id ?? $"#{index}"}'s image URL '{url}' names no image SegLoop can read.", "data.image"));
        var taskId = task.Id ?? image ?? $"task-{index}";
        var annotation = task.Annotations?.LastOrDefault(a => a is { WasCancelled: false });
        if (annotation is null)
            problems.Add(RejectionCodes.Of(RejectionCodes.MissingField, $"Task {taskId} has no annotation that was not cancelled.", "annotations"));
        var instances = new List<PayloadInstance?>();
        (int W, int H)? size = null;
        var results = annotation?.Result ?? [];
        for (var i = 0; i < results.Count; i++)
        {
            LsRegion? region;
            try
            {
                region = LabelStudioRegions.Read(results[i], i);
            }
            catch (FormatException e)
            {
                var code = results[i].Type?.Equals(LabelStudioRegions.BrushLabels, StringComparison.OrdinalIgnoreCase) == true
                    ? RejectionCodes.RleMalformed : RejectionCodes.PolygonMalformed;
                problems.Add(RejectionCodes.Of(code, e.Message, results[i].Id ?? $"result-{i}"));
                continue;
            }
            if (region is null)
                continue;
            if (size is { } s && s != (region.Width, region.Height))
            {
                problems.Add(RejectionCodes.Of(RejectionCodes.ImageSizeMismatch,
                    $"Result '{region.Id}' says the image is {region.Width}x{region.Height}; an earlier result said {s.W}x{s.H}.", region.Id));
                continue;
            }
            size = (region.Width, region.Height);
            instances.Add(ToInstance(region));
        }
        var payload = new TaskPayload
        {
            TaskId = taskId, Customer = customer, Project = project, Domain = domain,
            Image = image, Width = size?.W, Height = size?.H, FullScene = false, Instances = instances,
        };
        return new IngestRequest(payload, entryPoint, SourceFormats.LabelStudio) { ImageSource = imageSource, ImportProblems = problems };
    }

    /// <summary>
    /// The storage key a Label Studio image URL names, for tasks whose images are in SegLoop's store: local storage
    /// (<c>/data/local-files/?d=KEY</c>, with or without a host), S3 storage (<c>s3://BUCKET/KEY</c>) or the key itself;
    /// null for anything else (Label Studio's uploads, other URLs), which SegLoop cannot read.
    /// </summary>
    public static string? StorageKey(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var local = url.IndexOf("/data/local-files/?", StringComparison.Ordinal);
        if (local >= 0)
        {
            foreach (var pair in url[(local + "/data/local-files/?".Length)..].Split('&'))
            {
                if (pair.StartsWith("d=", StringComparison.Ordinal))
                    return NullIfEmpty(Uri.UnescapeDataString(pair[2..]));
            }
            return null;
        }
        if (url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var slash = url.IndexOf('/', "s3://".Length);
            return slash < 0 ? null : NullIfEmpty(url[(slash + 1)..]);
        }
        return url.Contains("://", StringComparison.Ordinal) || url.StartsWith('/') ? null : NullIfEmpty(url);
    }

    private static string? NullIfEmpty(string key) => key.Length == 0 ? null : key;

    internal static PayloadInstance ToInstance(LsRegion region) => new()
    {
        Id = region.Id,
        ClassName = region.Label,
        Polygons = region.Polygons?.Select(p => (double[]?)p).ToList(),
        Rle = region.Mask is { } mask ? PayloadRle.Of(RleMask.Encode(mask, region.Height, region.Width)) : null,
    };

    private static string? ImageUrl(LsTask task)
    {
        if (task.Data is null)
            return null;
        if (task.Data.TryGetValue("image", out var image) && image.ValueKind == JsonValueKind.String)
            return image.GetString();
        return task.Data.Values.Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()).FirstOrDefault();
    }
}
