using System.Globalization;
using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Evaluation;

/// <summary>
/// One entry of a COCO-results json: image, category, mask and score, with the ground-truth annotation it answers
/// (<c>annotation_id</c>, or a numeric <c>prompt.label</c> as pre-annotation writes it) and the box it was prompted
/// with (<c>prompt.box</c> as [x, y, w, h] or {x, y, width, height}) when known.
/// </summary>
public sealed record Prediction(long ImageId, long CategoryId, RleMask Mask, double Score, long? AnnotationId, BoundingBox? PromptBox);

/// <summary>A ground-truth instance and the prediction matched to it (null when nothing matched: a miss).</summary>
public sealed record MatchedInstance(GroundTruthInstance Truth, Prediction? Prediction);

/// <summary>Reads COCO-results json and matches it to ground truth.</summary>
public static class PredictionLoader
{
    public static async Task<IReadOnlyList<Prediction>> LoadAsync(string path, GroundTruthSet truth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(truth);
        if (!File.Exists(path))
            throw new EvaluationInputException($"predictions file {path} does not exist.");
        JsonDocument document;
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new EvaluationInputException($"predictions {path} is not valid json: {e.Message}", e);
            }
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new EvaluationInputException($"predictions {path} must be a COCO-results list, found a json {document.RootElement.ValueKind}.");
            var result = new List<Prediction>();
            var index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                try
                {
                    result.Add(Parse(entry, truth));
                }
                catch (Exception e) when (e is EvaluationInputException or JsonException or CocoMaskException or InvalidOperationException or FormatException or KeyNotFoundException)
                {
                    throw new EvaluationInputException($"predictions {path}, entry {index}: {e.Message}", e);
                }
                index++;
            }
            return result;
        }
    }

    /// <summary>
    /// Matches predictions to ground truth: first by annotation id; the rest greedily by score, each to the unmatched
    /// ground truth of the same image and category with the highest mask IoU (above 0). Returns one entry per
    /// ground-truth instance and the number of predictions left unmatched (false alarms).
    /// </summary>
    public static (IReadOnlyList<MatchedInstance> Matches, int Unmatched) Match(GroundTruthSet truth, IReadOnlyList<Prediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predictions);
        var byAnnotation = truth.Instances.ToDictionary(i => i.AnnotationId);
        var matched = new Dictionary<long, Prediction>();
        var unmatched = 0;
        var rest = new List<Prediction>();
        foreach (var p in predictions.OrderByDescending(p => p.Score))
        {
            if (p.AnnotationId is { } id && byAnnotation.TryGetValue(id, out var gt) && gt.ImageId == p.ImageId)
            {
                if (!matched.TryAdd(id, p))
                    unmatched++; // a second answer to one prompt: the higher score was kept
            }
            else
            {
                rest.Add(p);
            }
        }
        var candidates = truth.Instances.GroupBy(i => (i.ImageId, i.CategoryId)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var p in rest)
        {
            if (!candidates.TryGetValue((p.ImageId, p.CategoryId), out var pool))
            {
                unmatched++;
                continue;
            }
            var open = pool.Where(g => !matched.ContainsKey(g.AnnotationId)).ToList();
            if (open.Count == 0)
            {
                unmatched++;
                continue;
            }
            var ious = RleMask.Iou([p.Mask], open.Select(g => g.Mask).ToList());
            var best = -1;
            for (var j = 0; j < open.Count; j++)
            {
                if (ious[0, j] > 0 && (best < 0 || ious[0, j] > ious[0, best]))
                    best = j;
            }
            if (best < 0)
                unmatched++;
            else
                matched[open[best].AnnotationId] = p;
        }
        var matches = truth.Instances.Select(g => new MatchedInstance(g, matched.GetValueOrDefault(g.AnnotationId))).ToList();
        return (matches, unmatched);
    }

    private static Prediction Parse(JsonElement entry, GroundTruthSet truth)
    {
        var imageId = entry.GetProperty("image_id").GetInt64();
        var categoryId = entry.TryGetProperty("category_id", out var c) ? c.GetInt64() : GroundTruthSet.SalientCategoryId;
        if (!truth.Images.TryGetValue(imageId, out var image))
            throw new EvaluationInputException($"image_id {imageId} is not in the ground truth.");
        var segmentation = entry.GetProperty("segmentation").Deserialize<CocoSegmentation>(SegmentationOptions)
            ?? throw new EvaluationInputException("segmentation is null.");
        var mask = segmentation.ToRle(image.Height, image.Width);
        var score = entry.TryGetProperty("score", out var s) ? s.GetDouble() : 1.0;
        long? annotationId = entry.TryGetProperty("annotation_id", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt64() : null;
        BoundingBox? box = null;
        if (entry.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.Object)
        {
            if (annotationId is null && TryProperty(prompt, "label", out var label) && label.ValueKind == JsonValueKind.String
                && long.TryParse(label.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fromLabel))
                annotationId = fromLabel;
            if (TryProperty(prompt, "box", out var b))
                box = ReadBox(b);
        }
        return new Prediction(imageId, categoryId, mask, score, annotationId, box);
    }

    private static BoundingBox? ReadBox(JsonElement b) => b.ValueKind switch
    {
        JsonValueKind.Array when b.GetArrayLength() == 4 =>
            new BoundingBox(b[0].GetDouble(), b[1].GetDouble(), b[2].GetDouble(), b[3].GetDouble()),
        JsonValueKind.Object => b.Deserialize<BoundingBox>(new JsonSerializerOptions(JsonSerializerDefaults.Web)),
        JsonValueKind.Null => null,
        _ => throw new EvaluationInputException("prompt.box must be [x, y, width, height] or {x, y, width, height}."),
    };

    private static bool TryProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static readonly JsonSerializerOptions SegmentationOptions = new() { Converters = { new CocoSegmentationJsonConverter() } };
}
