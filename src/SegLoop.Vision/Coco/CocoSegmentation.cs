using System.Text.Json;
using System.Text.Json.Serialization;
using SegLoop.Contracts;

namespace SegLoop.Vision.Coco;

/// <summary>
/// A COCO segmentation in either json form: polygons (a list of flat [x0, y0, x1, y1, ...] lists) or an RLE
/// object <c>{"size": [h, w], "counts": ...}</c> whose counts are a list of run lengths (uncompressed, as
/// crowd annotations are written) or a compressed string. Exactly one form is set.
/// </summary>
public sealed record CocoSegmentation
{
    private CocoSegmentation()
    {
    }

    /// <summary>The polygons, or null for an RLE segmentation.</summary>
    public IReadOnlyList<double[]>? Polygons { get; private init; }

    /// <summary>The RLE's size [height, width], or null for polygons.</summary>
    public (int Height, int Width)? RleSize { get; private init; }

    /// <summary>Uncompressed counts, when the RLE was written as a list.</summary>
    public IReadOnlyList<long>? UncompressedCounts { get; private init; }

    /// <summary>The compressed counts string, when the RLE was written as one.</summary>
    public string? CompressedCounts { get; private init; }

    public bool IsPolygons => Polygons is not null;

    public static CocoSegmentation FromPolygons(IReadOnlyList<double[]> polygons) =>
        new() { Polygons = polygons ?? throw new ArgumentNullException(nameof(polygons)) };

    public static CocoSegmentation FromUncompressedRle(int height, int width, IReadOnlyList<long> counts) =>
        new() { RleSize = (height, width), UncompressedCounts = counts ?? throw new ArgumentNullException(nameof(counts)) };

    public static CocoSegmentation FromCompressedRle(int height, int width, string counts) =>
        new() { RleSize = (height, width), CompressedCounts = counts ?? throw new ArgumentNullException(nameof(counts)) };

    /// <summary>
    /// The mask as pycocotools' <c>annToRLE</c> gives it for an image of <paramref name="height"/> x
    /// <paramref name="width"/>: polygons rasterised and merged, RLEs read as they are. An RLE whose own size
    /// differs from the image's is refused.
    /// </summary>
    public RleMask ToRle(int height, int width)
    {
        if (Polygons is not null)
            return RleMask.FromPolygons(Polygons, height, width);
        var (h, w) = RleSize!.Value;
        if (h != height || w != width)
            throw new CocoMaskException($"RLE segmentation has size {h}x{w} but its image is {height}x{width} (height x width).");
        return UncompressedCounts is not null
            ? RleMask.FromUncompressedCounts(h, w, UncompressedCounts)
            : RleMask.FromCompressedString(h, w, CompressedCounts!);
    }
}

/// <summary>Reads and writes <see cref="CocoSegmentation"/> in whichever json form it has.</summary>
public sealed class CocoSegmentationJsonConverter : JsonConverter<CocoSegmentation>
{
    public override CocoSegmentation? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartArray:
                return CocoSegmentation.FromPolygons(ReadPolygons(ref reader));
            case JsonTokenType.StartObject:
                return ReadRle(ref reader);
            default:
                throw new JsonException($"A segmentation is a list of polygons or an RLE object; found {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, CocoSegmentation value, JsonSerializerOptions options)
    {
        if (value.Polygons is not null)
        {
            PolygonsJsonConverter.WriteRings(writer, value.Polygons);
            return;
        }
        var (h, w) = value.RleSize!.Value;
        writer.WriteStartObject();
        writer.WritePropertyName("size");
        writer.WriteStartArray();
        writer.WriteNumberValue(h);
        writer.WriteNumberValue(w);
        writer.WriteEndArray();
        writer.WritePropertyName("counts");
        if (value.UncompressedCounts is not null)
        {
            writer.WriteStartArray();
            foreach (var c in value.UncompressedCounts)
                writer.WriteNumberValue(c);
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteStringValue(value.CompressedCounts);
        }
        writer.WriteEndObject();
    }

    private static List<double[]> ReadPolygons(ref Utf8JsonReader reader)
    {
        var polygons = new List<double[]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new JsonException($"Polygon {polygons.Count} is not a list of numbers (found {reader.TokenType}).");
            var coordinates = new List<double>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number)
                    throw new JsonException($"Polygon {polygons.Count} has a {reader.TokenType} at coordinate {coordinates.Count}; coordinates are numbers.");
                coordinates.Add(reader.GetDouble());
            }
            polygons.Add([.. coordinates]);
        }
        return polygons;
    }

    private static CocoSegmentation ReadRle(ref Utf8JsonReader reader)
    {
        (int, int)? size = null;
        List<long>? list = null;
        string? text = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "size":
                    if (reader.TokenType != JsonTokenType.StartArray)
                        throw new JsonException("RLE \"size\" must be [height, width].");
                    var dims = new List<int>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var d) || d < 0)
                            throw new JsonException("RLE \"size\" must hold two non-negative integers [height, width].");
                        dims.Add(d);
                    }
                    if (dims.Count != 2)
                        throw new JsonException($"RLE \"size\" must be [height, width]; it has {dims.Count} values.");
                    size = (dims[0], dims[1]);
                    break;
                case "counts" when reader.TokenType == JsonTokenType.String:
                    text = reader.GetString();
                    break;
                case "counts" when reader.TokenType == JsonTokenType.StartArray:
                    list = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var c))
                            throw new JsonException($"RLE count {list.Count} is not an integer.");
                        list.Add(c);
                    }
                    break;
                case "counts":
                    throw new JsonException($"RLE \"counts\" must be a list of integers or a string; found {reader.TokenType}.");
                default:
                    reader.Skip();
                    break;
            }
        }
        if (size is null)
            throw new JsonException("RLE segmentation has no \"size\".");
        var (h, w) = size.Value;
        if (list is not null)
            return CocoSegmentation.FromUncompressedRle(h, w, list);
        if (text is not null)
            return CocoSegmentation.FromCompressedRle(h, w, text);
        throw new JsonException("RLE segmentation has no \"counts\".");
    }
}
