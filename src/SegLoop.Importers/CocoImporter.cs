using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest.Import;

/// <summary>A COCO instances file as one task per image: polygons and RLEs as they are, class names from the categories.</summary>
public static class CocoImporter
{
    /// <summary>All tasks of the file in a list (small files and tests); <see cref="Open"/> streams them.</summary>
    public static async Task<IReadOnlyList<IngestRequest>> LoadAsync(string annotationsPath, IImageSource images, ImportTarget target,
        CancellationToken cancellationToken)
    {
        var tasks = Open(annotationsPath, images, target, cancellationToken);
        var list = new List<IngestRequest>(tasks.Count);
        await foreach (var request in tasks.Requests.WithCancellation(cancellationToken).ConfigureAwait(false))
            list.Add(request);
        return list;
    }

    /// <summary>
    /// The tasks of the file, one image at a time: a first pass reads images and categories and checks every annotation
    /// (a file that is not an instances document fails here), then each task is built when it is asked for, so an
    /// import holds one task's annotations at a time whatever the file's size.
    /// </summary>
    public static ImportTasks Open(string annotationsPath, IImageSource images, ImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var coco = CocoStream.Open(annotationsPath, cancellationToken);
        return new ImportTasks(coco.Images.Count, Requests(coco, images, target, cancellationToken));
    }

    private static async IAsyncEnumerable<IngestRequest> Requests(CocoStream coco, IImageSource images, ImportTarget target,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (image, annotations) in coco.ReadAsync(cancellationToken).ConfigureAwait(false))
            yield return ToRequest(coco.Categories, image, annotations, target.Customer, target.Project, target.Domain, images, EntryPoints.CliCoco);
    }

    /// <summary>The task id of a COCO image: its file name as the export gives it, so every file of an export has its own.</summary>
    public static string TaskIdOf(CocoImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.FileName;
    }

    /// <summary>The task of one COCO image.</summary>
    public static IngestRequest ToRequest(CocoDataset dataset, CocoImage image, string customer, string project, string domain,
        IImageSource? imageSource, string entryPoint, ILookup<long, CocoAnnotation>? byImage = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(image);
        var categories = dataset.Categories.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name);
        var annotations = byImage is not null ? byImage[image.Id] : dataset.Annotations.Where(a => a.ImageId == image.Id);
        return ToRequest(categories, image, annotations, customer, project, domain, imageSource, entryPoint);
    }

    private static IngestRequest ToRequest(IReadOnlyDictionary<long, string> categories, CocoImage image, IEnumerable<CocoAnnotation> annotations,
        string customer, string project, string domain, IImageSource? imageSource, string entryPoint)
    {
        var problems = new List<Rejection>();
        var instances = new List<PayloadInstance?>();
        foreach (var annotation in annotations)
        {
            var id = annotation.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!categories.TryGetValue(annotation.CategoryId, out var className))
            {
                problems.Add(RejectionCodes.Of(RejectionCodes.UnknownCategory,
                    $"Annotation {id} has category_id {annotation.CategoryId}, which the file's categories do not define.", id));
                continue;
            }
            instances.Add(new PayloadInstance
            {
                Id = id,
                ClassName = className,
                IsCrowd = annotation.IsCrowd != 0,
                Polygons = annotation.Segmentation?.Polygons?.Select(p => (double[]?)p).ToList(),
                Rle = annotation.Segmentation is { RleSize: { } size } s
                    ? new PayloadRle
                    {
                        Size = [size.Height, size.Width],
                        Counts = s.CompressedCounts is { } text ? JsonSerializer.SerializeToElement(text) : JsonSerializer.SerializeToElement(s.UncompressedCounts),
                    }
                    : null,
            });
        }
        var payload = new TaskPayload
        {
            // The file name as the export gives it (relative path and extension included): a/x.jpg, b/x.jpg and
            // x.png are three tasks, never one (the stem alone made them overwrite each other).
            TaskId = TaskIdOf(image),
            Customer = customer,
            Project = project,
            Domain = domain,
            Image = image.FileName,
            Width = image.Width > 0 ? image.Width : null,
            Height = image.Height > 0 ? image.Height : null,
            FullScene = false,
            Instances = instances,
        };
        return new IngestRequest(payload, entryPoint, SourceFormats.Coco) { ImageSource = imageSource, ImportProblems = problems };
    }
}
