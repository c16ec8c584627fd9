using SegLoop.Contracts;
using SegLoop.Ingest;

namespace SegLoop.Importers;

/// <summary>A COCO instances file as one task per image (<see cref="CocoTask"/> maps each image).</summary>
public sealed class CocoImporter(string annotationsPath, IImageSource images) : IAnnotationImporter
{
    /// <summary>
    /// The tasks of the file, one image at a time: a first pass reads images and categories and checks every annotation
    /// (a file that is not an instances document fails here), then each task is built when it is asked for, so an
    /// import holds one task's annotations at a time whatever the file's size.
    /// </summary>
    public ImportTasks Open(ImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var coco = CocoStream.Open(annotationsPath, cancellationToken);
        return new ImportTasks(coco.Images.Count, Requests(coco, target, cancellationToken));
    }

    private async IAsyncEnumerable<IngestRequest> Requests(CocoStream coco, ImportTarget target,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (image, annotations) in coco.ReadAsync(cancellationToken).ConfigureAwait(false))
            yield return CocoTask.ToRequest(coco.Categories, image, annotations, target.Customer, target.Project, target.Domain, images, EntryPoints.CliCoco);
    }
}
