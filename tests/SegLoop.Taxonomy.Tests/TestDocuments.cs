using SegLoop.Annotations;
using SegLoop.Contracts;

namespace SegLoop.Taxonomy.Tests;

/// <summary>An ingested CamVid-style street scene: two kept, two background, one not approved, three unmapped.</summary>
internal static class TestDocuments
{
    public const string Customer = "acme";
    public const string Project = "streets";

    public static AnnotationDocument StreetScene(string taskId) => new()
    {
        ImageKey = AnnotationKeys.Image(Customer, Project, taskId, ".png"),
        Width = 64,
        Height = 48,
        FullScene = true,
        Provenance = new Provenance { Customer = Customer, Project = Project, Domain = "streets", SourceFormat = "labelmap", TaskId = taskId },
        Instances =
        [
            Instance("1", "Car"),
            Instance("2", "Pedestrian"),
            Instance("3", "Sky"),
            Instance("4", "Tree"),
            Instance("5", "Pole"),
            Instance("6", "Zeppelin"),
            Instance("7", "Zeppelin"),
            Instance("8", "bycicle"),
        ],
    };

    public static AnnotationIngested Ingested(string taskId) => new()
    {
        TaskId = taskId,
        Customer = Customer,
        Project = Project,
        Domain = "streets",
        ImageKey = AnnotationKeys.Image(Customer, Project, taskId, ".png"),
        DocumentKey = AnnotationKeys.Ingested(Customer, Project, taskId),
        Width = 64,
        Height = 48,
        InstanceCount = 8,
        FullScene = true,
    };

    private static AnnotationInstance Instance(string id, string className) => new()
    {
        Id = id,
        ClassName = className,
        Rle = new CocoRle(48, 64, "0" + id),
        Area = 10,
        Bbox = new BoundingBox(1, 2, 3, 4),
    };
}
