using SegLoop.Contracts;

namespace SegLoop.Contracts.Tests;

/// <summary>One fully populated instance of every message (every optional field set), for round trips.</summary>
public static class SampleMessages
{
    public static readonly AnnotationTaskCompleted TaskCompleted = new()
    {
        SchemaVersion = 1, TaskId = "t-1", Customer = "acme", Project = "streets", Domain = "urban",
        ImageKey = "images/acme/streets/t-1.jpg", AnnotationKey = "annotations/acme/streets/t-1.json",
        SourceFormat = SourceFormats.Coco, FullScene = true,
    };

    public static readonly AnnotationIngested Ingested = new()
    {
        TaskId = "t-1", Customer = "acme", Project = "streets", Domain = "urban", ImageKey = "images/a.jpg",
        DocumentKey = "annotations/canonical/t-1.json", Width = 640, Height = 480, InstanceCount = 7, FullScene = true,
    };

    public static readonly AnnotationRejected Rejected = new()
    {
        TaskId = "t-2", Customer = "acme", Project = "streets", EntryPoint = "cli:coco",
        Reasons = [new Rejection { Code = "polygon-out-of-bounds", Detail = "instance 3 lies outside the image", Item = "3" },
                   new Rejection { Code = "missing-image", Detail = "images/x.jpg does not exist" }],
    };

    public static readonly AnnotationNormalized Normalized = new()
    {
        TaskId = "t-1", Customer = "acme", Project = "streets", Domain = "urban", ImageKey = "images/a.jpg",
        DocumentKey = "annotations/normalized/t-1.json", TaxonomyVersion = "sha256:abc", KeptCount = 5,
        DroppedCounts = new Dictionary<string, int> { ["background"] = 1, ["unmapped"] = 2 },
    };

    public static readonly UnmappedClassesObserved Unmapped = new()
    {
        TaskId = "t-1", Customer = "acme", Project = "streets", TaxonomyVersion = "sha256:abc",
        Classes = [new UnmappedClass { Name = "lamp post", Count = 3, Suggestions = ["pole", "street-light"] }],
    };

    public static readonly CropsEmitted Crops = new()
    {
        TaskId = "t-1", Domain = "urban", ImageKey = "images/a.jpg", TaxonomyVersion = "sha256:abc",
        ManifestKey = "datasets/urban/manifest/t-1.jsonl", CropKeys = ["crops/urban/t-1/0.png", "crops/urban/t-1/1.png"],
        SkippedCounts = new Dictionary<string, int> { ["too-small"] = 4, ["crowd"] = 1 },
    };

    public static readonly PreAnnotationRequested Requested = new()
    {
        RequestId = "r-1", ImageKey = "images/a.jpg", Model = "u2net", Threshold = 0.4, Domain = "urban",
        Prompts =
        [
            new Prompt { Box = new BoundingBox(10, 20, 30.5, 40.25), Clicks = [new Click(15, 25, true), new Click(1, 2, false)], Label = "ann-1" },
            new Prompt { ExtremePoints = [new ImagePoint(1, 5), new ImagePoint(3, 1), new ImagePoint(6, 4), new ImagePoint(2, 9)] },
        ],
    };

    public static readonly PreAnnotationCompleted Completed = new()
    {
        RequestId = "r-1", ImageKey = "images/a.jpg", Model = "u2net", ModelVersion = "3", ResultsKey = "prelabels/r-1.json",
        Masks =
        [
            new PromptMask
            {
                PromptIndex = 0, Label = "ann-1", Rle = new CocoRle(480, 640, "PPYo05N2N0O"),
                Polygons = [[10, 20, 40, 20, 40, 60], [15, 25, 20, 25, 20, 30]], Box = new BoundingBox(10, 20, 30, 40), Score = 0.93,
            },
        ],
    };

    public static readonly PreAnnotationFailed Failed = new()
    {
        RequestId = "r-2", ImageKey = "images/missing.jpg", Model = "u2net", Code = "image-not-found", Reason = "images/missing.jpg does not exist",
    };

    public static readonly ModelPromoted Promoted = new()
    {
        Name = "u2net", Version = "3", ModelKey = "models/u2net/3/model.onnx", Sha256 = new string('a', 64),
    };

    public static readonly RankingRequested RankingRequested = new()
    {
        RequestId = "nightly-2026-11-21", ImageKeys = ["images/a.jpg", "images/b.png"], Model = "isnet", Passes = 4, TopSuperpixels = 50,
    };

    public static readonly RankingCompleted RankingCompleted = new()
    {
        RequestId = "nightly-2026-11-21", Model = "isnet", ModelVersion = "b6e8497ba978", Passes = 4,
        RankingKey = "rankings/nightly-2026-11-21/ranking.csv", SuperpixelsKey = "rankings/nightly-2026-11-21/superpixels.json",
        ReportKey = "rankings/nightly-2026-11-21/report.html", Ranked = 1,
        Failures = [new RankingImageFailure { ImageKey = "images/b.png", Code = "unreadable-image", Reason = "truncated PNG" }],
    };

    public static readonly RankingFailed RankingFailed = new()
    {
        RequestId = "nightly-2026-11-21", Code = "no-readable-image", Reason = "none of the 1 images could be read",
        Failures = [new RankingImageFailure { ImageKey = "images/b.png", Code = "image-not-found", Reason = "images/b.png does not exist" }],
    };

    /// <summary>Every message type of SegLoop.Contracts with its sample; a new contract without a sample fails a test.</summary>
    public static IEnumerable<object> All =>
        [TaskCompleted, Ingested, Rejected, Normalized, Unmapped, Crops, Requested, Completed, Failed, Promoted, RankingRequested, RankingCompleted, RankingFailed];
}
