using System.Text.Json;

namespace SegLoop.Interop.Coco;

/// <summary>
/// A full COCO instances file (info, licenses, images, categories, annotations) that CVAT, FiftyOne and pycocotools
/// load. Category ids are 1..N in ordinal order of the class names, image and annotation ids 1..N in order.
/// Objects drawn as polygons keep their polygons; the rest (and crowds) are compressed RLE. Area and bbox come from
/// the mask, as pycocotools computes them.
/// </summary>
public static class CocoInstancesWriter
{
    public static void Write(Stream output, IReadOnlyList<InteropImage> images, string description = "SegLoop export")
    {
        ArgumentNullException.ThrowIfNull(images);
        var categories = images.SelectMany(i => i.Objects).Select(o => o.ClassName).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).Select((name, i) => (name, id: i + 1)).ToDictionary(c => c.name, c => c.id, StringComparer.Ordinal);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteStartObject("info");
        json.WriteString("description", description);
        json.WriteString("version", "1.0");
        json.WriteEndObject();
        json.WriteStartArray("licenses");
        json.WriteEndArray();
        json.WriteStartArray("images");
        for (var i = 0; i < images.Count; i++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", i + 1);
            json.WriteString("file_name", images[i].FileName);
            json.WriteNumber("width", images[i].Width);
            json.WriteNumber("height", images[i].Height);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("categories");
        foreach (var (name, id) in categories)
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("name", name);
            json.WriteString("supercategory", "");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("annotations");
        var annotationId = 0;
        for (var i = 0; i < images.Count; i++)
        {
            foreach (var item in images[i].Objects)
            {
                var box = item.Mask.Bbox;
                json.WriteStartObject();
                json.WriteNumber("id", ++annotationId);
                json.WriteNumber("image_id", i + 1);
                json.WriteNumber("category_id", categories[item.ClassName]);
                json.WritePropertyName("segmentation");
                if (item.Polygons is { Count: > 0 } polygons && !item.IsCrowd)
                {
                    json.WriteStartArray();
                    foreach (var ring in polygons)
                    {
                        json.WriteStartArray();
                        foreach (var v in ring)
                            json.WriteNumberValue(v);
                        json.WriteEndArray();
                    }
                    json.WriteEndArray();
                }
                else
                {
                    json.WriteStartObject();
                    json.WriteStartArray("size");
                    json.WriteNumberValue(item.Mask.Height);
                    json.WriteNumberValue(item.Mask.Width);
                    json.WriteEndArray();
                    json.WriteString("counts", item.Mask.ToCompressedString());
                    json.WriteEndObject();
                }
                json.WriteNumber("area", item.Mask.Area);
                json.WriteStartArray("bbox");
                json.WriteNumberValue(box.X);
                json.WriteNumberValue(box.Y);
                json.WriteNumberValue(box.Width);
                json.WriteNumberValue(box.Height);
                json.WriteEndArray();
                json.WriteNumber("iscrowd", item.IsCrowd ? 1 : 0);
                if (item.Score is { } score)
                    json.WriteNumber("score", score);
                json.WriteString("segloop_id", item.Id);
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
