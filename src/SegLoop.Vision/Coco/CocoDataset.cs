using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Vision.Coco;

/// <summary>
/// The parts of a COCO instances json that SegLoop reads: images, annotations and categories. Unknown fields
/// are ignored; a file that is not such a document gives a <see cref="CocoMaskException"/> naming the problem.
/// </summary>
public sealed record CocoDataset
{
    [JsonPropertyName("images")]
    public IReadOnlyList<CocoImage> Images { get; init; } = [];

    [JsonPropertyName("annotations")]
    public IReadOnlyList<CocoAnnotation> Annotations { get; init; } = [];

    [JsonPropertyName("categories")]
    public IReadOnlyList<CocoCategory> Categories { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new CocoSegmentationJsonConverter() },
    };

    public static CocoDataset Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return Check(JsonSerializer.Deserialize<CocoDataset>(json, Options));
        }
        catch (JsonException e)
        {
            throw Wrap(e);
        }
    }

    public static async Task<CocoDataset> LoadAsync(Stream utf8Json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        try
        {
            return Check(await JsonSerializer.DeserializeAsync<CocoDataset>(utf8Json, Options, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException e)
        {
            throw Wrap(e);
        }
    }

    public static async Task<CocoDataset> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
            return await LoadAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    private static CocoDataset Check(CocoDataset? dataset)
    {
        if (dataset is null)
            throw new CocoMaskException("COCO json is the literal null, not a dataset object.");
        if (dataset.Images is null || dataset.Annotations is null || dataset.Categories is null)
            throw new CocoMaskException("COCO json has \"images\", \"annotations\" or \"categories\" set to null; each must be a list.");
        return dataset;
    }

    private static CocoMaskException Wrap(JsonException e) =>
        new($"COCO json is not a valid instances document at {e.Path ?? "$"} (line {e.LineNumber + 1}): {e.Message}", e);
}

public sealed record CocoImage
{
    [JsonPropertyName("id")]
    public long Id { get; init; }

    [JsonPropertyName("file_name")]
    public string FileName { get; init; } = "";

    [JsonPropertyName("width")]
    public int Width { get; init; }

    [JsonPropertyName("height")]
    public int Height { get; init; }
}

public sealed record CocoCategory
{
    [JsonPropertyName("id")]
    public long Id { get; init; }

    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("supercategory")]
    public string? Supercategory { get; init; }
}

public sealed record CocoAnnotation
{
    [JsonPropertyName("id")]
    public long Id { get; init; }

    [JsonPropertyName("image_id")]
    public long ImageId { get; init; }

    [JsonPropertyName("category_id")]
    public long CategoryId { get; init; }

    [JsonPropertyName("segmentation")]
    public CocoSegmentation? Segmentation { get; init; }

    /// <summary>As written in the json (for polygons COCO's own computation; unreliable for crowd RLEs).</summary>
    [JsonPropertyName("area")]
    public double Area { get; init; }

    /// <summary>[x, y, width, height] as written in the json, or null when absent.</summary>
    [JsonPropertyName("bbox")]
    public IReadOnlyList<double>? Bbox { get; init; }

    [JsonPropertyName("iscrowd")]
    public int IsCrowd { get; init; }
}
