using SegLoop.Ingest;

namespace SegLoop.Importers;

/// <summary>
/// A bulk export read as ingest tasks. An importer is built with where its export lies (files, folders, an image
/// source); <see cref="Open"/> checks what can be checked up front and yields the tasks one at a time, so an import
/// holds one task at a time whatever the export's size. Every task runs through the same <see cref="IngestProcessor"/>
/// as the webhook's (<see cref="IngestBatch"/>).
/// </summary>
public interface IAnnotationImporter
{
    /// <summary>The export's tasks for <paramref name="target"/>; throws when the export cannot be read at all.</summary>
    ImportTasks Open(ImportTarget target, CancellationToken cancellationToken);
}
