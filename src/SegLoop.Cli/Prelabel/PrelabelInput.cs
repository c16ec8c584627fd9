using System.Globalization;
using System.Text.Json;
using SegLoop.Contracts;
using SegLoop.Vision.Coco;

namespace SegLoop.Cli.Prelabel;

/// <summary>One box to segment, and what the result should say it answers.</summary>
public sealed record PrelabelPrompt(BoundingBox Box, string? Label, long? CategoryId, long? AnnotationId);

/// <summary>One image of the input: the file to upload, the image id results carry, and its boxes.</summary>
public sealed record PrelabelItem(string FileName, string FilePath, long ImageId, IReadOnlyList<PrelabelPrompt> Prompts);

/// <summary>The input is unusable; the message names the file and the entry.</summary>
public sealed class PrelabelInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads what to pre-label: a COCO instances file (every annotation's bbox is a prompt, labelled with the annotation
/// id), or a boxes file. Images without a usable box are left out; an annotation without a bbox is an error.
/// </summary>
public static class PrelabelInput
{
    /// <summary>The boxes file format, as the command's help shows it.</summary>
    public const string BoxesFormat =
        "Boxes file: a json list, one entry per image: "
        + "[{\"image\": \"sub/file.jpg\", \"boxes\": [[x, y, w, h], ...], \"labels\"?: [\"a\", ...], \"category_id\"?: 3 or [3, 5, ...], \"image_id\"?: 17}]. "
        + "image is relative to --images; boxes are COCO [x, y, width, height] in pixels; labels (one per box) are echoed in each result "
        + "(and become annotation_id when numeric); category_id is one id for all boxes or one per box; image_id defaults to the entry's 1-based position.";

    public static async Task<IReadOnlyList<PrelabelItem>> FromCocoAsync(string cocoPath, string imagesRoot, CancellationToken cancellationToken)
    {
        CocoDataset dataset;
        try
        {
            dataset = await CocoDataset.LoadAsync(cocoPath, cancellationToken);
        }
        catch (Exception e) when (e is JsonException or IOException or FormatException or InvalidOperationException)
        {
            throw new PrelabelInputException($"--coco {cocoPath} cannot be read as a COCO instances file: {e.Message}", e);
        }
        var byImage = dataset.Annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.OrderBy(a => a.Id).ToList());
        var items = new List<PrelabelItem>();
        foreach (var image in dataset.Images.OrderBy(i => i.Id))
        {
            if (!byImage.TryGetValue(image.Id, out var annotations))
                continue;
            var prompts = new List<PrelabelPrompt>(annotations.Count);
            foreach (var a in annotations)
            {
                if (a.Bbox is not { Count: 4 } b || !(b[2] > 0 && b[3] > 0))
                    throw new PrelabelInputException($"--coco {cocoPath}: annotation {a.Id} of image {image.Id} has no usable bbox [x, y, w, h] with w, h > 0.");
                prompts.Add(new PrelabelPrompt(new BoundingBox(b[0], b[1], b[2], b[3]), a.Id.ToString(CultureInfo.InvariantCulture), a.CategoryId, a.Id));
            }
            items.Add(new PrelabelItem(image.FileName, Path.Combine(imagesRoot, image.FileName), image.Id, prompts));
        }
        return items;
    }

    public static async Task<IReadOnlyList<PrelabelItem>> FromBoxesFileAsync(string boxesPath, string imagesRoot, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            await using var stream = File.OpenRead(boxesPath);
            document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new PrelabelInputException($"--boxes {boxesPath} cannot be read: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new PrelabelInputException($"--boxes {boxesPath} must be a json list. {BoxesFormat}");
            var items = new List<PrelabelItem>();
            var index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                index++;
                try
                {
                    var item = ParseEntry(entry, index, imagesRoot);
                    if (item.Prompts.Count > 0)
                        items.Add(item);
                }
                catch (Exception e) when (e is PrelabelInputException or InvalidOperationException or FormatException or KeyNotFoundException)
                {
                    throw new PrelabelInputException($"--boxes {boxesPath}, entry {index}: {e.Message}", e);
                }
            }
            var duplicate = items.GroupBy(i => i.ImageId).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new PrelabelInputException($"--boxes {boxesPath}: image_id {duplicate.Key} is used by more than one entry.");
            return items;
        }
    }

    private static PrelabelItem ParseEntry(JsonElement entry, int index, string imagesRoot)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw new PrelabelInputException("each entry must be an object with \"image\" and \"boxes\".");
        var image = entry.TryGetProperty("image", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "";
        if (image.Length == 0)
            throw new PrelabelInputException("\"image\" (a file name relative to --images) is missing.");
        if (!entry.TryGetProperty("boxes", out var boxes) || boxes.ValueKind != JsonValueKind.Array)
            throw new PrelabelInputException($"{image}: \"boxes\" must be a list of [x, y, w, h].");
        var imageId = entry.TryGetProperty("image_id", out var id) ? id.GetInt64() : index;

        IReadOnlyList<string?>? labels = null;
        if (entry.TryGetProperty("labels", out var l) && l.ValueKind != JsonValueKind.Null)
        {
            labels = l.ValueKind == JsonValueKind.Array
                ? l.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetRawText() : x.GetString()).ToList()
                : throw new PrelabelInputException($"{image}: \"labels\" must be a list, one per box.");
            if (labels.Count != boxes.GetArrayLength())
                throw new PrelabelInputException($"{image}: {labels.Count} labels for {boxes.GetArrayLength()} boxes.");
        }
        IReadOnlyList<long>? categories = null;
        if (entry.TryGetProperty("category_id", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            categories = c.ValueKind switch
            {
                JsonValueKind.Number => Enumerable.Repeat(c.GetInt64(), boxes.GetArrayLength()).ToList(),
                JsonValueKind.Array => c.EnumerateArray().Select(x => x.GetInt64()).ToList(),
                _ => throw new PrelabelInputException($"{image}: \"category_id\" must be a number or a list of numbers."),
            };
            if (categories.Count != boxes.GetArrayLength())
                throw new PrelabelInputException($"{image}: {categories.Count} category ids for {boxes.GetArrayLength()} boxes.");
        }

        var prompts = new List<PrelabelPrompt>();
        var n = 0;
        foreach (var box in boxes.EnumerateArray())
        {
            if (box.ValueKind != JsonValueKind.Array || box.GetArrayLength() != 4)
                throw new PrelabelInputException($"{image}: box {n} must be [x, y, w, h].");
            var b = box.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (!(b[2] > 0 && b[3] > 0) || b.Any(v => !double.IsFinite(v)))
                throw new PrelabelInputException($"{image}: box {n} [{string.Join(", ", b)}] needs a finite position and width, height > 0.");
            var label = labels?[n];
            long? annotationId = long.TryParse(label, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            prompts.Add(new PrelabelPrompt(new BoundingBox(b[0], b[1], b[2], b[3]), label, categories?[n], annotationId));
            n++;
        }
        return new PrelabelItem(image, Path.Combine(imagesRoot, image), imageId, prompts);
    }
}
