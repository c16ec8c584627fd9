using System.Text;
using System.Text.Json;
using SegLoop.CropBuilder;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Evaluation;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Training;

/// <summary>A dataset manifest <c>segloop dataset build</c> wrote: its key and its entries, in manifest order.</summary>
public sealed record TrainingDataset(string ManifestKey, IReadOnlyList<DatasetEntry> Entries)
{
    /// <summary>Where <c>segloop dataset build</c> writes manifests by default.</summary>
    public const string DefaultPrefix = "datasets";

    public IReadOnlyList<DatasetEntry> Split(string split) => Entries.Where(e => e.Split == split).ToList();

    /// <summary>
    /// A split's crops as ground truth, in crop-id order: each crop an image (copied once from the store into
    /// <paramref name="cropFolder"/>, which evaluation decodes from), its mask the one instance, its domain and class the
    /// manifest's. Prompted with the mask's tight box, as pre-annotation and evaluation prompt.
    /// </summary>
    public async Task<GroundTruthSet> GroundTruthAsync(IBlobStore store, string split, string cropFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var crops = Split(split).Select(e => e.Crop).OrderBy(c => c.CropId, StringComparer.Ordinal).ToList();
        Directory.CreateDirectory(cropFolder);
        var images = new Dictionary<long, GroundTruthImage>();
        var instances = new List<GroundTruthInstance>();
        for (var i = 0; i < crops.Count; i++)
        {
            var crop = crops[i];
            var path = Path.Combine(cropFolder, crop.CropId + ".jpg");
            if (!File.Exists(path))
            {
                var temp = path + ".tmp";
                await File.WriteAllBytesAsync(temp, await store.GetBytesAsync(crop.CropKey, cancellationToken).ConfigureAwait(false), cancellationToken)
                    .ConfigureAwait(false);
                File.Move(temp, path, overwrite: true);
            }
            var mask = await ReadMaskAsync(store, crop.MaskKey, cancellationToken).ConfigureAwait(false);
            var id = i + 1L;
            images[id] = new GroundTruthImage(id, crop.CropId + ".jpg", path, crop.CropWidth, crop.CropHeight, crop.Domain);
            instances.Add(new GroundTruthInstance(id, id, 0, crop.ClassName, RleMask.Encode(mask.Data, mask.Height, mask.Width)));
        }
        return new GroundTruthSet($"{ManifestKey} ({split} split)", images, instances);
    }

    /// <summary>A crop's mask PNG as a 0/1 mask (pixels of 128 and above are the object).</summary>
    public static async Task<Mask> ReadMaskAsync(IBlobStore store, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var png = ImageCodec.Decode(await store.GetBytesAsync(key, cancellationToken).ConfigureAwait(false), new DecodeOptions { Mode = DecodeMode.Grayscale });
        var pixels = png.Pixels;
        var bytes = new byte[pixels.Length];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = pixels[i] >= 128 ? (byte)1 : (byte)0;
        return Mask.FromBytes(png.Width, png.Height, bytes);
    }

    /// <summary>
    /// The newest manifest under <paramref name="prefix"/> ({prefix}/{yyyy-MM-dd}/manifest.jsonl: the latest date), or
    /// the one <paramref name="manifestKey"/> names.
    /// </summary>
    public static async Task<TrainingDataset> LoadAsync(IBlobStore store, string prefix, string? manifestKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (manifestKey is null)
        {
            var keys = new List<string>();
            await foreach (var key in store.ListAsync(prefix.TrimEnd('/') + "/", cancellationToken).ConfigureAwait(false))
            {
                if (key.EndsWith("/manifest.jsonl", StringComparison.Ordinal))
                    keys.Add(key);
            }
            manifestKey = keys.Order(StringComparer.Ordinal).LastOrDefault()
                ?? throw new TrainingInputException($"no dataset manifest under {prefix}/; run 'segloop dataset build' first.");
        }
        byte[] bytes;
        try
        {
            bytes = await store.GetBytesAsync(manifestKey, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            throw new TrainingInputException($"dataset manifest {manifestKey} does not exist.");
        }
        var entries = new List<DatasetEntry>();
        var line = 0;
        foreach (var text in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            line++;
            if (text.Length == 0)
                continue;
            try
            {
                entries.Add(JsonSerializer.Deserialize<DatasetEntry>(text, JsonDefaults.Options)
                    ?? throw new TrainingInputException($"{manifestKey} line {line} is null."));
            }
            catch (JsonException e)
            {
                throw new TrainingInputException($"{manifestKey} line {line} is not a dataset entry: {e.Message}");
            }
        }
        return new TrainingDataset(manifestKey, entries);
    }
}

/// <summary>Training input a user can fix (no manifest, an empty split, a bad base model): the message says which.</summary>
public sealed class TrainingInputException(string message) : Exception(message);
