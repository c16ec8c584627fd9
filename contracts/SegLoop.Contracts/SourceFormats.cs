namespace SegLoop.Contracts;

/// <summary>Wire values of <see cref="AnnotationTaskCompleted.SourceFormat"/>.</summary>
public static class SourceFormats
{
    public const string Webhook = "webhook";
    public const string Coco = "coco";
    public const string Voc = "voc";
    public const string LabelMap = "label-map";
    public const string LabelStudio = "label-studio";
    public const string Cvat = "cvat";
}
