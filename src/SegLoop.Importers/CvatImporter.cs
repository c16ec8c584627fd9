using SegLoop.Contracts;
using SegLoop.Ingest;
using SegLoop.Interop.Cvat;
using SegLoop.Vision.Coco;

namespace SegLoop.Importers;

/// <summary>
/// A "CVAT for images 1.1" XML export as one task per image: polygons and boxes become polygons in pixels, masks
/// (CVAT's RLE over left/top/width/height) masks; polylines, points and other shapes without area are left out.
/// The task id is the image name; instance ids are the shape's position within its image.
/// </summary>
public sealed class CvatImporter(string xmlPath, IImageSource images) : IAnnotationImporter
{
    public const string EntryPoint = "cli:cvat";

    public ImportTasks Open(ImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        IReadOnlyList<CvatImage> parsed;
        using (var stream = File.OpenRead(xmlPath))
        {
            try
            {
                parsed = CvatXml.Read(stream);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{xmlPath}: {e.Message}", e);
            }
        }
        return new ImportTasks(parsed.Count, parsed.Select(i => ToRequest(i, target)).ToAsyncEnumerable());
    }

    private IngestRequest ToRequest(CvatImage image, ImportTarget target)
    {
        var problems = new List<Rejection>();
        var instances = new List<PayloadInstance?>();
        foreach (var shape in image.Shapes)
        {
            var id = shape.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (shape.Problem is { } problem)
            {
                problems.Add(RejectionCodes.Of(shape.Kind == "mask" ? RejectionCodes.RleMalformed : RejectionCodes.PolygonMalformed,
                    $"The {shape.Kind} {id} ('{shape.Label}') of {image.Name}: {problem}", id));
                continue;
            }
            if (shape.Ring is null && shape.Mask is null)
                continue;
            instances.Add(new PayloadInstance
            {
                Id = id,
                ClassName = shape.Label,
                Polygons = shape.Ring is { } ring ? [ring] : null,
                Rle = shape.Mask is { } mask ? RlePayload.Of(RleMask.Encode(mask, image.Height, image.Width)) : null,
            });
        }
        var payload = new TaskPayload
        {
            TaskId = image.Name, Customer = target.Customer, Project = target.Project, Domain = target.Domain,
            Image = image.Name, Width = image.Width > 0 ? image.Width : null, Height = image.Height > 0 ? image.Height : null,
            FullScene = false, Instances = instances,
        };
        return new IngestRequest(payload, EntryPoint, SourceFormats.Cvat) { ImageSource = images, ImportProblems = problems };
    }
}
