using System.Globalization;
using System.Text.Json;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Evaluation;

/// <summary>One image of a ground-truth set: its id, where its pixels are (when known) and its evaluation domain.</summary>
public sealed record GroundTruthImage(long Id, string FileName, string? Path, int Width, int Height, string Domain);

/// <summary>One object to evaluate: its annotation id, image, class and mask.</summary>
public sealed record GroundTruthInstance(long AnnotationId, long ImageId, long CategoryId, string Category, RleMask Mask);

/// <summary>Ground truth for an evaluation: images and their instances (COCO crowd regions are left out).</summary>
public sealed record GroundTruthSet(string Name, IReadOnlyDictionary<long, GroundTruthImage> Images, IReadOnlyList<GroundTruthInstance> Instances)
{
    /// <summary>The COCO category id that a folder of salient-object masks uses for its one class.</summary>
    public const long SalientCategoryId = 1;

    public const string SalientCategory = "salient";
}

/// <summary>How images are assigned to domains.</summary>
public sealed record DomainAssignment
{
    private DomainAssignment(string kind, IReadOnlyDictionary<string, string>? map)
    {
        Kind = kind;
        Map = map;
    }

    /// <summary>Every image in one domain named after the ground truth (its folder or file name).</summary>
    public static DomainAssignment Dataset { get; } = new("dataset", null);

    /// <summary>The first folder of the image's file_name ("." when it has none).</summary>
    public static DomainAssignment Folder { get; } = new("folder", null);

    public string Kind { get; }

    /// <summary>For a mapping file: image id or file_name to domain.</summary>
    public IReadOnlyDictionary<string, string>? Map { get; }

    /// <summary>
    /// Reads <c>--domain-of</c>: <c>dataset</c>, <c>folder</c>, or a JSON file holding an object that maps image ids
    /// or file names to domains (images it does not name fall in the domain "unassigned").
    /// </summary>
    public static DomainAssignment Parse(string? value)
    {
        if (string.IsNullOrEmpty(value) || value == "dataset")
            return Dataset;
        if (value == "folder")
            return Folder;
        if (!File.Exists(value))
            throw new EvaluationInputException($"--domain-of '{value}' is neither 'dataset', 'folder' nor an existing JSON file mapping images to domains.");
        try
        {
            var map = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(value))
                ?? throw new EvaluationInputException($"domain map {value} is the literal null");
            return new DomainAssignment("map", map);
        }
        catch (JsonException e)
        {
            throw new EvaluationInputException($"domain map {value} is not a JSON object of image id or file name to domain: {e.Message}", e);
        }
    }

    public string DomainOf(string datasetName, long imageId, string fileName)
    {
        switch (Kind)
        {
            case "dataset":
                return datasetName;
            case "folder":
                var slash = fileName.Replace('\\', '/').IndexOf('/', StringComparison.Ordinal);
                return slash > 0 ? fileName[..slash] : ".";
            default:
                return Map!.TryGetValue(imageId.ToString(CultureInfo.InvariantCulture), out var byId) ? byId
                    : Map.TryGetValue(fileName, out var byName) ? byName
                    : "unassigned";
        }
    }
}

/// <summary>Bad evaluation input (a missing file, a malformed json, masks of the wrong size): the message names it.</summary>
public sealed class EvaluationInputException : Exception
{
    public EvaluationInputException(string message)
        : base(message)
    {
    }

    public EvaluationInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Loads ground truth from a COCO instances json or from a folder of salient-object masks.</summary>
public static class GroundTruthLoader
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    /// <summary>
    /// A COCO json file, or a folder holding <c>images/NAME.jpg|png</c> and <c>masks/NAME.png</c> (ECSSD style:
    /// one salient object per image, mask pixels above 127 are foreground; a numeric NAME is the image id).
    /// </summary>
    public static async Task<GroundTruthSet> LoadAsync(string path, string? imagesRoot, DomainAssignment domains, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domains);
        if (Directory.Exists(path))
            return LoadMaskFolder(path, domains);
        if (File.Exists(path))
            return await LoadCocoAsync(path, imagesRoot, domains, cancellationToken).ConfigureAwait(false);
        throw new EvaluationInputException($"ground truth '{path}' is neither a COCO json file nor a folder of images/ and masks/.");
    }

    public static async Task<GroundTruthSet> LoadCocoAsync(string jsonPath, string? imagesRoot, DomainAssignment domains, CancellationToken cancellationToken)
    {
        CocoDataset coco;
        try
        {
            coco = await CocoDataset.LoadAsync(jsonPath, cancellationToken).ConfigureAwait(false);
        }
        catch (CocoMaskException e)
        {
            throw new EvaluationInputException($"ground truth {jsonPath}: {e.Message}", e);
        }
        var name = System.IO.Path.GetFileNameWithoutExtension(jsonPath);
        var root = imagesRoot ?? System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(jsonPath))!;
        var images = new Dictionary<long, GroundTruthImage>();
        foreach (var image in coco.Images)
        {
            if (image.Width <= 0 || image.Height <= 0)
                throw new EvaluationInputException($"ground truth {jsonPath}: image {image.Id} has size {image.Width} x {image.Height}.");
            var file = System.IO.Path.Combine(root, image.FileName);
            images[image.Id] = new GroundTruthImage(image.Id, image.FileName, File.Exists(file) ? file : null, image.Width, image.Height,
                domains.DomainOf(name, image.Id, image.FileName));
        }
        var categories = coco.Categories.ToDictionary(c => c.Id, c => c.Name);
        var instances = new List<GroundTruthInstance>();
        foreach (var a in coco.Annotations)
        {
            if (a.IsCrowd != 0 || a.Segmentation is null)
                continue;
            if (!images.TryGetValue(a.ImageId, out var image))
                throw new EvaluationInputException($"ground truth {jsonPath}: annotation {a.Id} refers to image {a.ImageId}, which is not listed.");
            RleMask mask;
            try
            {
                mask = a.Segmentation.ToRle(image.Height, image.Width);
            }
            catch (CocoMaskException e)
            {
                throw new EvaluationInputException($"ground truth {jsonPath}: annotation {a.Id}: {e.Message}", e);
            }
            instances.Add(new GroundTruthInstance(a.Id, a.ImageId, a.CategoryId,
                categories.TryGetValue(a.CategoryId, out var category) ? category : a.CategoryId.ToString(CultureInfo.InvariantCulture), mask));
        }
        return new GroundTruthSet(name, images, instances);
    }

    public static GroundTruthSet LoadMaskFolder(string folder, DomainAssignment domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var masksDir = System.IO.Path.Combine(folder, "masks");
        var imagesDir = System.IO.Path.Combine(folder, "images");
        if (!Directory.Exists(masksDir))
            throw new EvaluationInputException($"ground-truth folder {folder} has no masks/ folder (expected images/NAME.jpg and masks/NAME.png).");
        var name = new DirectoryInfo(folder).Name;
        var images = new Dictionary<long, GroundTruthImage>();
        var instances = new List<GroundTruthInstance>();
        var files = Directory.GetFiles(masksDir, "*.png").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new EvaluationInputException($"ground-truth folder {masksDir} holds no .png masks.");
        for (var index = 0; index < files.Count; index++)
        {
            var stem = System.IO.Path.GetFileNameWithoutExtension(files[index]);
            var id = long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric) ? numeric : index + 1;
            if (images.ContainsKey(id))
                throw new EvaluationInputException($"ground-truth folder {folder}: two masks map to image id {id}.");
            Mask mask;
            try
            {
                using var decoded = ImageCodec.Decode(File.ReadAllBytes(files[index]), new DecodeOptions { Mode = DecodeMode.Grayscale });
                var pixels = decoded.Pixels;
                var bytes = new byte[pixels.Length];
                for (var i = 0; i < bytes.Length; i++)
                    bytes[i] = pixels[i] > 127 ? (byte)1 : (byte)0;
                mask = Mask.FromBytes(decoded.Width, decoded.Height, bytes);
            }
            catch (VisionException e)
            {
                throw new EvaluationInputException($"mask {files[index]} cannot be read: {e.Message}", e);
            }
            var imagePath = ImageExtensions.Select(ext => System.IO.Path.Combine(imagesDir, stem + ext)).FirstOrDefault(File.Exists);
            var fileName = imagePath is null ? stem : System.IO.Path.GetRelativePath(folder, imagePath);
            images[id] = new GroundTruthImage(id, fileName, imagePath, mask.Width, mask.Height, domains.DomainOf(name, id, fileName));
            instances.Add(new GroundTruthInstance(id, id, GroundTruthSet.SalientCategoryId, GroundTruthSet.SalientCategory,
                RleMask.Encode(mask.Data, mask.Height, mask.Width)));
        }
        return new GroundTruthSet(name, images, instances);
    }
}
