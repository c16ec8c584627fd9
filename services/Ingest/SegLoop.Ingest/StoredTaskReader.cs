using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest;

/// <summary>
/// Turns an <see cref="AnnotationTaskCompleted"/> into an <see cref="IngestRequest"/> by reading the stored
/// payload: the webhook's task JSON (also what Label Studio's webhook stores), or a single-image COCO file (what <c>segloop run --once</c> sends).
/// </summary>
public sealed class StoredTaskReader(IBlobStore store)
{
    public async Task<IngestRequest> ReadAsync(AnnotationTaskCompleted message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message.SourceFormat)
        {
            case SourceFormats.Webhook:
            case SourceFormats.LabelStudio: // Label Studio's webhook stores the task it mapped, in the webhook's format
                var payload = await store.GetJsonAsync<TaskPayload>(message.AnnotationKey, PayloadJson.Options, cancellationToken).ConfigureAwait(false);
                return new IngestRequest(payload, EntryPoints.Bus, message.SourceFormat);
            case SourceFormats.Coco:
                await using (var stream = await store.OpenReadAsync(message.AnnotationKey, cancellationToken).ConfigureAwait(false))
                {
                    var dataset = await CocoDataset.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
                    var image = dataset.Images.Count == 1
                        ? dataset.Images[0]
                        : dataset.Images.FirstOrDefault(i => message.ImageKey.EndsWith("/" + i.FileName, StringComparison.Ordinal))
                          ?? throw new InvalidDataException($"COCO file '{message.AnnotationKey}' holds {dataset.Images.Count} images and none named like '{message.ImageKey}'.");
                    var item = CocoTask.ToRequest(dataset, image, message.Customer, message.Project, message.Domain, imageSource: null, EntryPoints.Bus);
                    return item with { Payload = item.Payload with { TaskId = message.TaskId, Image = message.ImageKey, FullScene = message.FullScene } };
                }
            default:
                return new IngestRequest(new TaskPayload { TaskId = message.TaskId, Customer = message.Customer, Project = message.Project }, EntryPoints.Bus, message.SourceFormat)
                {
                    ImportProblems =
                    [
                        RejectionCodes.Of(RejectionCodes.UnsupportedSourceFormat,
                            $"Source format '{message.SourceFormat}' cannot be ingested from the bus; use '{SourceFormats.Webhook}', '{SourceFormats.LabelStudio}' or '{SourceFormats.Coco}' (bulk VOC and label-map imports run from the CLI).",
                            "sourceFormat"),
                    ],
                };
        }
    }
}
