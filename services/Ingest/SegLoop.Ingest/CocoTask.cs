using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest;

/// <summary>
/// One COCO image and its annotations as a task: polygons and RLEs as they are, class names from the categories. The
/// bus path reads single-image COCO files with it (what <c>segloop run --once</c> sends); the COCO importer maps every
/// image of an export with it.
/// </summary>
public static class CocoTask
{
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

    /// <summary>The task of one COCO image, from the file's categories by id and the image's annotations.</summary>
    public static IngestRequest ToRequest(IReadOnlyDictionary<long, string> categories, CocoImage image, IEnumerable<CocoAnnotation> annotations,
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
