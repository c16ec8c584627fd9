using System.Text.Json;
using SegLoop.Ingest;
using SegLoop.Interop.LabelStudio;

namespace SegLoop.Importers;

/// <summary>
/// A Label Studio JSON export (Export > JSON: a list of tasks) as one task per Label Studio task, mapped by
/// <see cref="LabelStudioTask"/> (what Ingest's Label Studio webhook uses too). The image is the file name of the task's
/// image URL in <c>images</c> (Label Studio's 8-character upload prefix removed for <c>/data/upload/</c> URLs).
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

    /// <summary>One task of the export as an ingest task (<see cref="LabelStudioTask"/>: the webhook's code path too), its image by file name.</summary>
    public IngestRequest ToRequest(LsTask task, int index, ImportTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return LabelStudioTask.ToRequest(task, index, target.Customer, target.Project, target.Domain, ImageName, images, EntryPoint);
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
