using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Interop.LabelStudio;

/// <summary>A Label Studio task as its JSON export and import write it: data (the image URL), annotations, predictions.</summary>
public sealed record LsTask
{
    [JsonConverter(typeof(LsIdConverter))]
    public string? Id { get; init; }

    public IReadOnlyDictionary<string, JsonElement>? Data { get; init; }

    public IReadOnlyList<LsAnnotation>? Annotations { get; init; }

    public IReadOnlyList<LsAnnotation>? Predictions { get; init; }
}

/// <summary>An annotation or a prediction: its regions (<see cref="Result"/>); predictions add model_version and score.</summary>
public sealed record LsAnnotation
{
    [JsonConverter(typeof(LsIdConverter))]
    public string? Id { get; init; }

    public IReadOnlyList<LsResult>? Result { get; init; }

    public bool WasCancelled { get; init; }

    public string? ModelVersion { get; init; }

    public double? Score { get; init; }
}

/// <summary>
/// A Label Studio webhook event: <c>{"action": ..., "task": {...}, "annotation": {...}, "project": {...}}</c>.
/// ANNOTATION_CREATED and ANNOTATION_UPDATED carry the task and the annotation that was saved.
/// </summary>
public sealed record LsWebhookEvent
{
    public const string AnnotationCreated = "ANNOTATION_CREATED";
    public const string AnnotationUpdated = "ANNOTATION_UPDATED";

    public string? Action { get; init; }

    public LsTask? Task { get; init; }

    public LsAnnotation? Annotation { get; init; }
}

/// <summary>One region: type polygonlabels, brushlabels, rectanglelabels, keypointlabels...; coordinates in percent of original_width/height.</summary>
public sealed record LsResult
{
    [JsonConverter(typeof(LsIdConverter))]
    public string? Id { get; init; }

    public string? Type { get; init; }

    public string? FromName { get; init; }

    public string? ToName { get; init; }

    public int? OriginalWidth { get; init; }

    public int? OriginalHeight { get; init; }

    public double? ImageRotation { get; init; }

    public LsValue? Value { get; init; }

    public double? Score { get; init; }

    /// <summary>Keypoints of an interactive request: true for a positive click.</summary>
    public bool? IsPositive { get; init; }

    public bool? Readonly { get; init; }

    public string? Origin { get; init; }
}

/// <summary>The union of the value shapes SegLoop reads and writes.</summary>
public sealed record LsValue
{
    public IReadOnlyList<double[]>? Points { get; init; }

    public bool? Closed { get; init; }

    public string? Format { get; init; }

    public int[]? Rle { get; init; }

    public double? X { get; init; }

    public double? Y { get; init; }

    public double? Width { get; init; }

    public double? Height { get; init; }

    public double? Rotation { get; init; }

    public IReadOnlyList<string>? Polygonlabels { get; init; }

    public IReadOnlyList<string>? Brushlabels { get; init; }

    public IReadOnlyList<string>? Rectanglelabels { get; init; }

    public IReadOnlyList<string>? Keypointlabels { get; init; }

    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The labels of the region whatever its type (the type's own list, else the generic "labels").</summary>
    [JsonIgnore]
    public IReadOnlyList<string>? AnyLabels => Polygonlabels ?? Brushlabels ?? Rectanglelabels ?? Keypointlabels ?? Labels;
}

/// <summary>Label Studio's JSON conventions: snake_case names, nulls left out.</summary>
public static class LsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>A JSON export: a list of tasks (a single task object is read as a list of one).</summary>
    public static IReadOnlyList<LsTask> ReadTasks(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { AllowTrailingCommas = true });
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.ValueKind switch
        {
            JsonValueKind.Array => document.RootElement.Deserialize<List<LsTask?>>(Options)!.Select(t => t ?? new LsTask()).ToList(),
            JsonValueKind.Object => [document.RootElement.Deserialize<LsTask>(Options)!],
            _ => throw new JsonException($"A Label Studio export is a list of tasks, not a {document.RootElement.ValueKind}."),
        };
    }
}

/// <summary>Ids that Label Studio writes as numbers (tasks, annotations) or strings (regions).</summary>
public sealed class LsIdConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"An id is a string or a number, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
            writer.WriteNullValue();
        else if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            writer.WriteNumberValue(number);
        else
            writer.WriteStringValue(value);
    }
}
