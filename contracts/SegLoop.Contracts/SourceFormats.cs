namespace SegLoop.Contracts;

/// <summary>Wire values of <see cref="AnnotationTaskCompleted.SourceFormat"/>.</summary>
public static class SourceFormats
{
    public const string Webhook = "webhook";
    public const string Coco = "coco";
    public const string Voc = "voc";
    public const string LabelMap = "label-map";
}
