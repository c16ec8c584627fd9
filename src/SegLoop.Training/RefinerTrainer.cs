using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;
using SegLoop.Contracts;
using SegLoop.CropBuilder;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Evaluation;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Backends.Refiner;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.Training;

/// <summary>Where a training run is: a stage, and how much of it is done.</summary>
public sealed record TrainingProgress(string Stage, int Done, int Total);

/// <summary>
/// Trains a refiner from a dataset's train split: per crop (prompted with its object's tight box, as evaluation and
/// pre-annotation prompt) the refiner's own feature code over its working frame, pixels sampled with a fixed seed
/// (half with 1-3 clicks simulated where the base model is wrong), cached per crop so an interrupted run resumes;
/// then LightGBM through ML.NET. Deterministic for a manifest and a seed (LightGBM on one thread).
/// </summary>
public sealed class RefinerTrainer(IBlobStore store, ModelRegistry registry, ILogger? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger.Instance;

    /// <summary>The base model as the refiner will name it: "grabcut" or "name@version", with the file's SHA-256.</summary>
    public async Task<(string Base, string? Sha256)> ResolveBaseAsync(string spec, CancellationToken cancellationToken)
    {
        if (spec == GrabCutBackend.ModelName)
            return (spec, null);
        if (spec == "auto")
        {
            var isNet = await registry.GetPromotedAsync(ModelCatalog.PreferredDefault, cancellationToken).ConfigureAwait(false);
            return isNet is null ? (GrabCutBackend.ModelName, null) : ($"{ModelCatalog.PreferredDefault}@{isNet.Version}", isNet.Sha256);
        }
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            var metadata = await registry.GetMetadataAsync(spec[..at], spec[(at + 1)..], cancellationToken).ConfigureAwait(false);
            return (spec, metadata.Sha256);
        }
        var promoted = await registry.GetPromotedAsync(spec, cancellationToken).ConfigureAwait(false)
            ?? throw new TrainingInputException($"base model '{spec}' has no promoted version (give name@version, grabcut or auto).");
        return ($"{spec}@{promoted.Version}", promoted.Sha256);
    }

    public async Task<RefinerSettings> SettingsAsync(RefinerTrainingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (baseModel, sha) = await ResolveBaseAsync(options.Base, cancellationToken).ConfigureAwait(false);
        return new RefinerSettings
        {
            BaseModel = baseModel,
            BaseSha256 = sha,
            BaseInputSize = baseModel == GrabCutBackend.ModelName ? null : options.BaseInputSize,
            WorkingSize = options.WorkingSize,
            GrabCutIterations = options.GrabCutIterations,
        };
    }

    /// <summary>The train split's crops this run uses, in a stable order.</summary>
    public static IReadOnlyList<CropManifestRow> TrainCrops(TrainingDataset dataset, RefinerTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        return dataset.Split(DatasetAssembler.Train).Select(e => e.Crop)
            .Where(c => options.TrainFraction >= 1 || UnitHash($"{options.Seed}/subset/{c.CropId}") < options.TrainFraction)
            .OrderBy(c => c.CropId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Samples every crop's pixels (from the cache when there) and fits the classifier; returns ML.NET's zip.</summary>
    public async Task<(byte[] Zip, long Pixels)> TrainAsync(IReadOnlyList<CropManifestRow> crops, RefinerSettings settings, RefinerTrainingOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(crops);
        ArgumentNullException.ThrowIfNull(options);
        if (crops.Count == 0)
            throw new TrainingInputException("the dataset's train split has no crops to train on.");
        var perCrop = Math.Max(64, options.PixelBudget / crops.Count / 2);
        var cacheDir = Path.Combine(options.WorkDirectory, "features", Fingerprint(settings, options.Seed, perCrop));
        Directory.CreateDirectory(cacheDir);
        var (baseBackend, owned) = await RefinerModelKind.LoadBaseAsync(settings, LoadContext(settings), cancellationToken).ConfigureAwait(false);
        var rows = new List<RefinerRow>(crops.Count * perCrop * 2);
        try
        {
            var backend = new RefinerBackend(options.ModelName, "training", settings, baseBackend, classifier: null);
            for (var i = 0; i < crops.Count; i++)
            {
                progress?.Report(new TrainingProgress("features", i, crops.Count));
                rows.AddRange(await CropRowsAsync(backend, crops[i], cacheDir, perCrop, options.Seed, cancellationToken).ConfigureAwait(false));
            }
            progress?.Report(new TrainingProgress("features", crops.Count, crops.Count));
        }
        finally
        {
            owned?.Dispose();
        }

        progress?.Report(new TrainingProgress("LightGBM", 0, 1));
        var ml = new MLContext(options.Seed);
        var data = ml.Data.LoadFromEnumerable(rows);
        var trainer = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            LabelColumnName = nameof(RefinerRow.Label),
            FeatureColumnName = nameof(RefinerRow.Features),
            NumberOfIterations = options.Trees,
            NumberOfLeaves = options.Leaves,
            MinimumExampleCountPerLeaf = options.MinLeafCount,
            LearningRate = options.LearningRate,
            Seed = options.Seed,
            NumberOfThreads = 1,
            Silent = true,
        });
        var model = trainer.Fit(data);
        using var zip = new MemoryStream();
        ml.Model.Save(model, data.Schema, zip);
        progress?.Report(new TrainingProgress("LightGBM", 1, 1));
        return (zip.ToArray(), rows.Count);
    }

    private ModelLoadContext LoadContext(RefinerSettings settings) =>
        new(registry, new OnnxModelOptions(), settings.GrabCutIterations, 3, _log);

    /// <summary>One crop's sampled rows: read from the cache, or computed and cached (written whole, then renamed).</summary>
    private async Task<IReadOnlyList<RefinerRow>> CropRowsAsync(RefinerBackend backend, CropManifestRow crop, string cacheDir, int perCrop, int seed,
        CancellationToken cancellationToken)
    {
        var path = Path.Combine(cacheDir, crop.CropId + ".rows");
        if (File.Exists(path))
            return ReadRows(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        using var image = ImageCodec.Decode(await store.GetBytesAsync(crop.CropKey, cancellationToken).ConfigureAwait(false));
        var truth = await TrainingDataset.ReadMaskAsync(store, crop.MaskKey, cancellationToken).ConfigureAwait(false);
        var box = BoxInCrop(crop);
        var prompt = PromptGeometry.Prepare(new Prompt { Box = box }, 0, image.Width, image.Height, PromptGeometry.DefaultPadding);
        using var input = backend.Prepare(image, prompt);
        using var staged = backend.Stage([input]);
        var baseProbabilities = backend.RunBase(staged, cancellationToken)[0];
        var random = new Random(StableSeed($"{seed}/{crop.CropId}"));

        var frame = RefinerFeatures.Compute(input.Crop, baseProbabilities, prompt, backend.Settings.GrabCutIterations);
        var labels = Labels(truth, prompt.Window, frame);
        var rows = Sample(frame, labels, perCrop, random);
        var clicks = SimulateClicks(frame, labels, prompt.Window, image.Width, image.Height, 1 + random.Next(3));
        if (clicks.Count > 0)
        {
            var clicked = RefinerFeatures.Compute(input.Crop, baseProbabilities, prompt with { Clicks = clicks }, backend.Settings.GrabCutIterations);
            rows.AddRange(Sample(clicked, labels, perCrop, random));
        }
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, WriteRows(rows), cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
        return rows;
    }

    /// <summary>The object's tight box in crop pixels: the prompt evaluation and pre-annotation give.</summary>
    internal static BoundingBox BoxInCrop(CropManifestRow crop) =>
        new(crop.Bbox.X - crop.Window.X, crop.Bbox.Y - crop.Window.Y, crop.Bbox.Width, crop.Bbox.Height);

    /// <summary>The ground truth at each working pixel's centre (nearest source pixel; outside the crop is background).</summary>
    private static byte[] Labels(Mask truth, Rect window, RefinerFrame frame)
    {
        var labels = new byte[frame.Width * frame.Height];
        var data = truth.Data;
        for (var y = 0; y < frame.Height; y++)
        {
            var sy = window.Y + (int)Math.Floor((y + 0.5) / frame.ScaleY);
            for (var x = 0; x < frame.Width; x++)
            {
                var sx = window.X + (int)Math.Floor((x + 0.5) / frame.ScaleX);
                if ((uint)sx < (uint)truth.Width && (uint)sy < (uint)truth.Height)
                    labels[(y * frame.Width) + x] = data[(sy * truth.Width) + sx];
            }
        }
        return labels;
    }

    /// <summary><paramref name="count"/> pixels without replacement (all when the frame is smaller), in a seeded order.</summary>
    private static List<RefinerRow> Sample(RefinerFrame frame, byte[] labels, int count, Random random)
    {
        var n = frame.Width * frame.Height;
        var order = Enumerable.Range(0, n).ToArray();
        var take = Math.Min(count, n);
        for (var i = 0; i < take; i++)
        {
            var j = i + random.Next(n - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var rows = new List<RefinerRow>(take);
        for (var i = 0; i < take; i++)
        {
            var p = order[i];
            rows.Add(new RefinerRow { Features = frame.Features.AsSpan(p * RefinerFeatures.Count, RefinerFeatures.Count).ToArray(), Label = labels[p] != 0 });
        }
        return rows;
    }

    /// <summary>
    /// Up to <paramref name="count"/> corrective clicks as <see cref="ClickSimulator"/> places them against the base model's
    /// mask (the GrabCut feature when the base is GrabCut), each fixing a disc of the mask before the next; in crop pixels.
    /// </summary>
    private static List<Click> SimulateClicks(RefinerFrame frame, byte[] labels, Rect window, int imageWidth, int imageHeight, int count)
    {
        int w = frame.Width, h = frame.Height;
        var truth = Mask.FromBytes(w, h, labels);
        var predicted = new byte[w * h];
        for (var p = 0; p < predicted.Length; p++)
            predicted[p] = frame.Features[p * RefinerFeatures.Count] >= 0.5f ? (byte)1 : (byte)0;
        var radius = Math.Max(2, Math.Min(w, h) / 10);
        var clicks = new List<Click>();
        for (var k = 0; k < count; k++)
        {
            var click = ClickSimulator.NextClick(truth, Mask.FromBytes(w, h, predicted));
            if (click is null)
                break;
            var (cx, cy) = ((int)click.X, (int)click.Y);
            for (var y = Math.Max(0, cy - radius); y <= Math.Min(h - 1, cy + radius); y++)
            {
                for (var x = Math.Max(0, cx - radius); x <= Math.Min(w - 1, cx + radius); x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= radius * radius)
                        predicted[(y * w) + x] = labels[(y * w) + x];
                }
            }
            var imageX = Math.Clamp(window.X + Math.Floor((cx + 0.5) / frame.ScaleX), 0, imageWidth - 1);
            var imageY = Math.Clamp(window.Y + Math.Floor((cy + 0.5) / frame.ScaleY), 0, imageHeight - 1);
            clicks.Add(new Click(imageX, imageY, click.Positive));
        }
        return clicks;
    }

    private static byte[] WriteRows(List<RefinerRow> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(RefinerFeatures.Count);
            writer.Write(rows.Count);
            foreach (var row in rows)
            {
                foreach (var value in row.Features)
                    writer.Write(value);
                writer.Write(row.Label);
            }
        }
        return stream.ToArray();
    }

    private static List<RefinerRow> ReadRows(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var features = reader.ReadInt32();
        if (features != RefinerFeatures.Count)
            throw new InvalidDataException($"a cached crop holds {features} features per pixel, not {RefinerFeatures.Count}");
        var count = reader.ReadInt32();
        var rows = new List<RefinerRow>(count);
        for (var i = 0; i < count; i++)
        {
            var values = new float[features];
            for (var f = 0; f < features; f++)
                values[f] = reader.ReadSingle();
            rows.Add(new RefinerRow { Features = values, Label = reader.ReadBoolean() });
        }
        return rows;
    }

    /// <summary>Everything a cached crop's rows depend on besides the crop: a changed setting starts a fresh cache.</summary>
    private static string Fingerprint(RefinerSettings settings, int seed, int perCrop) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', "v" + RefinerFeatures.Version, settings.BaseModel,
            settings.BaseInputSize?.ToString(CultureInfo.InvariantCulture) ?? "-", settings.WorkingSize.ToString(CultureInfo.InvariantCulture),
            settings.GrabCutIterations.ToString(CultureInfo.InvariantCulture), seed.ToString(CultureInfo.InvariantCulture),
            perCrop.ToString(CultureInfo.InvariantCulture)))))[..16];

    private static int StableSeed(string text) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);

    private static double UnitHash(string text) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0) / 18446744073709551616.0;
}
