using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest.Import;

/// <summary>A COCO instances file as one task per image: polygons and RLEs as they are, class names from the categories.</summary>
public static class CocoImporter
{
    public static async Task<IReadOnlyList<IngestRequest>> LoadAsync(string annotationsPath, IImageSource images, ImportTarget target,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var dataset = await CocoDataset.LoadAsync(annotationsPath, cancellationToken).ConfigureAwait(false);
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        return dataset.Images
            .Select(image => ToRequest(dataset, image, target.Customer, target.Project, target.Domain, images, EntryPoints.CliCoco, byImage))
            .ToList();
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
