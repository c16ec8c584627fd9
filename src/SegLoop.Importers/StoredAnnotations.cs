using System.Runtime.CompilerServices;
using SegLoop.Annotations;
using SegLoop.Interop;
using SegLoop.Storage;
using SegLoop.Vision.Coco;

namespace SegLoop.Importers;

/// <summary>
/// The annotation documents of one customer's project read back from the store as <see cref="InteropImage"/>s, for
/// the exporters: ingested documents (customer class names) or, with a taxonomy version, normalized ones (common
/// names). An image's file name is its key's last segment, so the store's <c>images/{customer}/{project}/</c>
/// folder is the export's image folder.
/// </summary>
public static class StoredAnnotations
{
    public static async IAsyncEnumerable<InteropImage> ReadAsync(IBlobStore store, string customer, string project, string? taxonomyVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var anyKey = taxonomyVersion is null
            ? AnnotationKeys.Ingested(customer, project, "x")
            : AnnotationKeys.Normalized(taxonomyVersion, customer, project, "x");
        var prefix = anyKey[..(anyKey.LastIndexOf('/') + 1)];
        var keys = new List<string>();
        await foreach (var key in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (key.EndsWith(".json", StringComparison.Ordinal) && key.IndexOf('/', prefix.Length) < 0)
                keys.Add(key);
        }
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var document = await store.GetJsonAsync<AnnotationDocument>(key, JsonDefaults.Options, cancellationToken).ConfigureAwait(false);
            yield return ToImage(document);
        }
    }

    public static InteropImage ToImage(AnnotationDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var name = document.ImageKey[(document.ImageKey.LastIndexOf('/') + 1)..];
        var objects = document.Instances
            .Select(i => new InteropObject(i.Id, i.ClassName, RleMask.FromContract(i.Rle)) { IsCrowd = i.IsCrowd })
            .ToList();
        return new InteropImage(name, document.Width, document.Height, objects);
    }
}
