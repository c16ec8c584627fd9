using System.Xml;
using System.Xml.Linq;

namespace SegLoop.Inference.Annotators;

/// <summary>
/// What a Label Studio labeling config gives the ML backend: the Image tag (its name and the task data key of
/// <c>value="$image"</c>) and the BrushLabels / PolygonLabels controls on it with their labels.
/// </summary>
public sealed record LabelConfig(string ImageName, string DataKey, string? BrushName, string? PolygonName, IReadOnlyList<string> Labels)
{
    /// <summary>The config's tags, or a <see cref="FormatException"/> that says why the backend cannot serve it.</summary>
    public static LabelConfig Parse(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml))
            throw new FormatException("label_config is missing.");
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new FormatException($"label_config is not XML: {e.Message}", e);
        }
        var image = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Image")
            ?? throw new FormatException("label_config has no <Image> tag; this backend segments images.");
        var imageName = (string?)image.Attribute("name") ?? "image";
        var value = ((string?)image.Attribute("value") ?? "$image").TrimStart('$');
        XElement? Control(string tag) => document.Descendants().FirstOrDefault(e => e.Name.LocalName == tag && (string?)e.Attribute("toName") == imageName);
        var brush = Control("BrushLabels");
        var polygon = Control("PolygonLabels");
        if (brush is null && polygon is null)
            throw new FormatException($"label_config has no <BrushLabels> or <PolygonLabels> on the image '{imageName}'; this backend answers with masks and polygons.");
        var labels = new[] { brush, polygon }.OfType<XElement>().SelectMany(c => c.Elements().Where(e => e.Name.LocalName == "Label"))
            .Select(l => (string?)l.Attribute("value")).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return new LabelConfig(imageName, value, (string?)brush?.Attribute("name"), (string?)polygon?.Attribute("name"), labels);
    }
}
