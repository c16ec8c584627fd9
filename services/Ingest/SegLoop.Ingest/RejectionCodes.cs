using SegLoop.Contracts;

namespace SegLoop.Ingest;

/// <summary>The stable codes of <see cref="Rejection.Code"/> that Ingest gives; the detail sentence names the item.</summary>
public static class RejectionCodes
{
    public const string InvalidJson = "invalid-json";
    public const string BodyTooLarge = "body-too-large";
    public const string MissingField = "missing-field";
    public const string InvalidField = "invalid-field";
    public const string InvalidClassName = "invalid-class-name";
    public const string UnsafeKey = "unsafe-key";
    public const string OtherCustomersKey = "other-customers-key";
    public const string DuplicateTask = "duplicate-task";
    public const string TooManyInstances = "too-many-instances";
    public const string MaskTooLarge = "mask-too-large";
    public const string DecodedPixelsOverBudget = "decoded-pixels-over-budget";
    public const string MoreReasons = "more-reasons";
    public const string ImageUrlsDisabled = "image-urls-disabled";
    public const string InvalidImageReference = "invalid-image-reference";
    public const string ImageNotFound = "image-not-found";
    public const string ImageUnreadable = "image-unreadable";
    public const string ImageTooLarge = "image-too-large";
    public const string ImageSizeMismatch = "image-size-mismatch";
    public const string DuplicateInstanceId = "duplicate-instance-id";
    public const string UnknownMaskFormat = "unknown-mask-format";
    public const string PolygonMalformed = "polygon-malformed";
    public const string PolygonTooFewPoints = "polygon-too-few-points";
    public const string NonFiniteCoordinates = "non-finite-coordinates";
    public const string CoordinatesOutOfBounds = "coordinates-out-of-bounds";
    public const string RleMalformed = "rle-malformed";
    public const string RleCountsMismatch = "rle-counts-mismatch";
    public const string RleSizeMismatch = "rle-size-mismatch";
    public const string MaskNotFound = "mask-not-found";
    public const string MaskUnreadable = "mask-unreadable";
    public const string MaskSizeMismatch = "mask-size-mismatch";
    public const string EmptyMask = "empty-mask";
    public const string LabelUnreadable = "label-unreadable";
    public const string UnknownCategory = "unknown-category";
    public const string UnsupportedSourceFormat = "unsupported-source-format";

    /// <summary>A rejection reason: a code of this class, a sentence naming the problem, and the item it is about.</summary>
    public static Rejection Of(string code, string detail, string? item = null) => new() { Code = code, Detail = detail, Item = item };
}

/// <summary>Where an input came in (<see cref="AnnotationRejected.EntryPoint"/>).</summary>
public static class EntryPoints
{
    public const string Webhook = "webhook";
    public const string LabelStudioWebhook = "webhook:label-studio";
    public const string Bus = "bus";
    public const string CliCoco = "cli:coco";
    public const string CliVoc = "cli:voc";
    public const string CliLabelMap = "cli:label-map";
}
