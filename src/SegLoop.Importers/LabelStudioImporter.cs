using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Ingest;
using SegLoop.Interop.LabelStudio;
using SegLoop.Vision.Coco;

namespace SegLoop.Importers;

/// <summary>
/// A Label Studio JSON export (Export > JSON: a list of tasks) as one task per Label Studio task. The last annotation
/// that was not cancelled is taken; its polygonlabels and rectanglelabels become polygons in pixels, its brushlabels
/// masks (brush RLE decoded as label-studio-converter does); other result types (choices, keypoints, text) are
/// left out. The image is the file name of the task's image URL in <c>images</c> (Label Studio's 8-character upload
/// prefix removed for <c>/data/upload/</c> URLs). The task id is Label Studio's, so a re-export rewrites the same keys.
/// </summary>
public sealed class LabelStudioImporter(string exportPath, IImageSource images) : IAnnotationImporter
{
    public const string EntryPoint = "cli:label-studio";

    public ImportTasks Open(ImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        IReadOnlyList<LsTask> tasks;
        try
        {
            tasks = LsJson.ReadTasks(File.ReadAllBytes(exportPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{exportPath} is not a Label Studio JSON export: {e.Message}", e);
        }
        return new ImportTasks(tasks.Count, tasks.Select((t, i) => ToRequest(t, i, target)).ToAsyncEnumerable());
    }

    /// <summary>One Label Studio task (export or webhook) as an ingest task.</summary>
    public IngestRequest ToRequest(LsTask task, int index, ImportTarget target)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(target);
        var problems = new List<Rejection>();
        var url = ImageUrl(task);
        var image = url is null ? null : ImageName(url);
        if (image is null)
            problems.Add(RejectionCodes.Of(RejectionCodes.MissingField, $"Task {task.Id ?? $"#{index}"} has no image URL in data.", "data.image"));
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
            TaskId = taskId, Customer = target.Customer, Project = target.Project, Domain = target.Domain,
            Image = image, Width = size?.W, Height = size?.H, FullScene = false, Instances = instances,
        };
        return new IngestRequest(payload, EntryPoint, SourceFormats.LabelStudio) { ImageSource = images, ImportProblems = problems };
    }

    internal static PayloadInstance ToInstance(LsRegion region) => new()
    {
        Id = region.Id,
        ClassName = region.Label,
        Polygons = region.Polygons?.Select(p => (double[]?)p).ToList(),
        Rle = region.Mask is { } mask ? RlePayload.Of(RleMask.Encode(mask, region.Height, region.Width)) : null,
    };

    private static string? ImageUrl(LsTask task)
    {
        if (task.Data is null)
            return null;
        if (task.Data.TryGetValue("image", out var image) && image.ValueKind == JsonValueKind.String)
            return image.GetString();
        return task.Data.Values.Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()).FirstOrDefault();
    }

    /// <summary>
    /// The file name an image URL refers to: the <c>d</c> parameter of local-storage URLs
    /// (<c>/data/local-files/?d=dir/x.jpg</c>), else the last path segment; uploads (<c>/data/upload/N/abcd1234-x.jpg</c>)
    /// lose Label Studio's 8-character prefix.
    /// </summary>
    public static string? ImageName(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? url : url[..query];
        if (query >= 0)
        {
            foreach (var pair in url[(query + 1)..].Split('&'))
            {
                if (pair.StartsWith("d=", StringComparison.Ordinal))
                    path = Uri.UnescapeDataString(pair[2..]);
            }
        }
        var name = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        if (name.Length == 0)
            return null;
        return path.Contains("/data/upload/", StringComparison.Ordinal) && name.Length > 9 && name[8] == '-' && name[..8].All(char.IsAsciiLetterOrDigit)
            ? name[9..]
            : name;
    }
}
