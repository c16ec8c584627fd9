using SegLoop.Importers;

namespace SegLoop.Ingest.Tests;

internal static class ImporterExtensions
{
    /// <summary>Every task of an import in a list (test exports are small; VOC and label maps build their tasks synchronously).</summary>
    public static IReadOnlyList<IngestRequest> Read(this IAnnotationImporter importer, ImportTarget target) =>
        importer.Open(target, CancellationToken.None).ToListAsync().GetAwaiter().GetResult();
}
