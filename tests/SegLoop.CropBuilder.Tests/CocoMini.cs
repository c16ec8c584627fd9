using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Testing;
using SegLoop.Vision.Coco;

namespace SegLoop.CropBuilder.Tests;

/// <summary>
/// coco-mini as Taxonomy would hand it over: per image a normalized document (class = COCO category name, masks
/// from the polygons exactly as pycocotools, crowd RLEs as they are) and the image, stored in a blob store.
/// </summary>
internal static class CocoMini
{
    public const string Customer = "acme";
    public const string Project = "coco-mini";
    public const string Domain = "everyday";
    public const string TaxonomyVersion = "tx-test-1";

    private static readonly Lazy<IReadOnlyList<AnnotationDocument>> AllDocuments = new(Load);

    public static IReadOnlyList<AnnotationDocument> Documents => AllDocuments.Value;

    public static ImageCropper Cropper(IBlobStore store, CropBuilderOptions? options = null) =>
        new(store, Options.Create(options ?? new CropBuilderOptions()), NullLogger<ImageCropper>.Instance);

    /// <summary>Stores the image and the normalized document; returns the message Taxonomy would publish.</summary>
    public static async Task<AnnotationNormalized> StoreAsync(IBlobStore store, AnnotationDocument document)
    {
        var taskId = document.Provenance.TaskId;
        await store.PutBytesAsync(document.ImageKey, await File.ReadAllBytesAsync(SharedData.Path("coco-mini", "train2017", taskId + ".jpg")), "image/jpeg");
        var documentKey = AnnotationKeys.Normalized(TaxonomyVersion, Customer, Project, taskId);
        await store.PutJsonAsync(documentKey, document);
        return new AnnotationNormalized
        {
            TaskId = taskId,
            Customer = Customer,
            Project = Project,
            Domain = Domain,
            ImageKey = document.ImageKey,
            DocumentKey = documentKey,
            TaxonomyVersion = TaxonomyVersion,
            KeptCount = document.Instances.Count,
            DroppedCounts = new Dictionary<string, int>(),
        };
    }

    private static IReadOnlyList<AnnotationDocument> Load()
    {
        var dataset = CocoDataset.LoadAsync(SharedData.CocoMiniAnnotations).GetAwaiter().GetResult();
        var categories = dataset.Categories.ToDictionary(c => c.Id, c => c.Name);
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        return dataset.Images.OrderBy(i => i.FileName, StringComparer.Ordinal).Select(image =>
        {
            var taskId = Path.GetFileNameWithoutExtension(image.FileName);
            return new AnnotationDocument
            {
                ImageKey = AnnotationKeys.Image(Customer, Project, taskId, ".jpg"),
                Width = image.Width,
                Height = image.Height,
                TaxonomyVersion = TaxonomyVersion,
                Provenance = new Provenance { Customer = Customer, Project = Project, Domain = Domain, SourceFormat = "coco", TaskId = taskId },
                Instances = byImage[image.Id].OrderBy(a => a.Id).Select(a =>
                {
                    var rle = a.Segmentation!.ToRle(image.Height, image.Width);
                    var box = rle.Bbox;
                    return new AnnotationInstance
                    {
                        Id = a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ClassName = categories[a.CategoryId],
                        SourceClassName = categories[a.CategoryId],
                        Rle = rle.ToContract(),
                        Area = rle.Area,
                        Bbox = new BoundingBox(box.X, box.Y, box.Width, box.Height),
                        IsCrowd = a.IsCrowd != 0,
                    };
                }).ToList(),
            };
        }).ToList();
    }
}
