using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Ingest;

/// <summary>
/// A completed annotation task as the webhook receives it (and as every importer builds it): who it is for,
/// the image (a storage key, or an http(s) URL when <c>Ingest:AllowImageUrls</c> is on) and its instances.
/// Every field is nullable so a bad body is read far enough to name all of its problems.
/// </summary>
public sealed record TaskPayload
{
    public string? TaskId { get; init; }
    public string? Customer { get; init; }
    public string? Project { get; init; }
    public string? Domain { get; init; }

    /// <summary>Storage key of the image, or an http(s) URL. For bulk imports: the file name inside the image source.</summary>
    public string? Image { get; init; }

    /// <summary>Optional; when given it must match the decoded image.</summary>
    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>True when every pixel of the image is labelled (label maps).</summary>
    public bool FullScene { get; init; }

    public IReadOnlyList<PayloadInstance?>? Instances { get; init; }
}

/// <summary>One object of a task: exactly one of <see cref="Polygons"/>, <see cref="Rle"/> or <see cref="MaskKey"/>.</summary>
public sealed record PayloadInstance
{
    /// <summary>Unique within the task; a JSON number is read as its text.</summary>
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? Id { get; init; }

    public string? ClassName { get; init; }

    /// <summary>Flat [x0, y0, x1, y1, ...] lists in image pixels (COCO polygon form).</summary>
    public IReadOnlyList<double[]?>? Polygons { get; init; }

    /// <summary>COCO RLE: size [height, width], counts a compressed string or a list of run lengths.</summary>
    public PayloadRle? Rle { get; init; }

    /// <summary>Storage key of a PNG mask the size of the image; any nonzero pixel belongs to the object.</summary>
    public string? MaskKey { get; init; }

    public bool IsCrowd { get; init; }
}

/// <summary>A COCO RLE as JSON writes it; <see cref="Counts"/> is a string or an array of integers.</summary>
public sealed record PayloadRle
{
    public IReadOnlyList<int>? Size { get; init; }

    public JsonElement Counts { get; init; }

    /// <summary>A mask's RLE, compressed counts as a string.</summary>
    public static PayloadRle Of(Vision.Coco.RleMask rle)
    {
        ArgumentNullException.ThrowIfNull(rle);
        return new() { Size = [rle.Height, rle.Width], Counts = JsonSerializer.SerializeToElement(rle.ToCompressedString()) };
    }
}

/// <summary>The JSON settings for task payloads: camelCase, numbers also as strings, NaN/Infinity readable so they can be refused by name.</summary>
public static class PayloadJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>What a forward-only scan of a task body finds without building it: the instance count and the names to report.</summary>
public sealed record TaskBodyOutline(int InstanceCount, string? TaskId, string? Customer, string? Project)
{
    /// <summary>
    /// Scans <paramref name="body"/> once, allocating nothing per instance; null when it is not a JSON object (the full
    /// read then names the problem). Lets a body of millions of instances be refused before millions of objects exist.
    /// </summary>
    public static TaskBodyOutline? Scan(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            int count = 0;
            string? taskId = null, customer = null, project = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (string.Equals(name, "instances", StringComparison.OrdinalIgnoreCase) && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        count++;
                        reader.Skip();
                    }
                }
                else if (reader.TokenType == JsonTokenType.String && string.Equals(name, "taskId", StringComparison.OrdinalIgnoreCase))
                    taskId = reader.GetString();
                else if (reader.TokenType == JsonTokenType.String && string.Equals(name, "customer", StringComparison.OrdinalIgnoreCase))
                    customer = reader.GetString();
                else if (reader.TokenType == JsonTokenType.String && string.Equals(name, "project", StringComparison.OrdinalIgnoreCase))
                    project = reader.GetString();
                else
                    reader.Skip();
            }
            return new TaskBodyOutline(count, taskId, customer, project);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Reads an id written as a string or a number.</summary>
public sealed class StringOrNumberConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"An instance id is a string or a number, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
            writer.WriteNullValue();
        else
            writer.WriteStringValue(value);
    }
}
