using SegLoop.ActiveLearning;
using SegLoop.Evaluation;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Cli.Rank;

/// <summary>One item to rank, where its image file is, and its ground-truth mask when the run is an evaluation.</summary>
public sealed record RankInputItem(RankItem Item, string Path, RleMask? Truth);

/// <summary>The three sources of <c>segloop rank</c>: a folder of images, a COCO file's boxes, or a ground-truth set.</summary>
public static class RankInput
{
    private static readonly HashSet<string> ImageExtensions =
        new([".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Every image file of <paramref name="folder"/> (by extension, not recursive, in name order), each ranked whole.</summary>
    public static IReadOnlyList<RankInputItem> FromFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new RankInputException($"--images {folder} is not a folder.");
        var files = Directory.EnumerateFiles(folder).Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f)))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new RankInputException($"--images {folder} holds no image (.jpg, .jpeg, .png, .bmp, .tif, .tiff, .webp); nothing to rank.");
        return files.Select(f => new RankInputItem(new RankItem(System.IO.Path.GetFileName(f), System.IO.Path.GetFileName(f), null), f, null)).ToList();
    }

    /// <summary>One item per non-crowd annotation box of a COCO file (id "file_name#annotation id"), images under <paramref name="images"/>.</summary>
    public static async Task<IReadOnlyList<RankInputItem>> FromCocoAsync(string coco, string images, CancellationToken cancellationToken)
    {
        if (!File.Exists(coco))
            throw new RankInputException($"--coco {coco} does not exist.");
        if (!Directory.Exists(images))
            throw new RankInputException($"--images {images} is not a folder.");
        CocoDataset dataset;
        try
        {
            dataset = await CocoDataset.LoadAsync(coco, cancellationToken);
        }
        catch (CocoMaskException e)
        {
            throw new RankInputException($"--coco {coco}: {e.Message}", e);
        }
        var files = dataset.Images.ToDictionary(i => i.Id, i => i.FileName);
        var items = new List<RankInputItem>();
        foreach (var a in dataset.Annotations)
        {
            if (a.IsCrowd != 0 || a.Bbox is not [var x, var y, var w, var h] || !(w > 0 && h > 0) || !files.TryGetValue(a.ImageId, out var file))
                continue;
            items.Add(new RankInputItem(new RankItem($"{file}#{a.Id}", file, BoxOf(x, y, w, h)), System.IO.Path.Combine(images, file), null));
        }
        if (items.Count == 0)
            throw new RankInputException($"--coco {coco} has no non-crowd annotation with a box; nothing to rank.");
        return items;
    }

    /// <summary>
    /// An evaluation: a folder of images/ and masks/ (each image ranked whole, or by its mask's box with
    /// <paramref name="boxes"/>) or a COCO file (each instance by its mask's box), with the masks to score against.
    /// </summary>
    public static async Task<IReadOnlyList<RankInputItem>> FromGroundTruthAsync(string path, string? images, bool boxes, CancellationToken cancellationToken)
    {
        GroundTruthSet truth;
        try
        {
            truth = await GroundTruthLoader.LoadAsync(path, images, DomainAssignment.Dataset, cancellationToken);
        }
        catch (EvaluationInputException e)
        {
            throw new RankInputException($"--ground-truth: {e.Message}", e);
        }
        var wholeImages = Directory.Exists(path) && !boxes;
        var items = new List<RankInputItem>();
        foreach (var instance in truth.Instances)
        {
            var image = truth.Images[instance.ImageId];
            if (image.Path is null)
                throw new RankInputException($"--ground-truth {path}: image {image.FileName} is not on disk (give --images DIR).");
            var id = wholeImages ? image.FileName : $"{image.FileName}#{instance.AnnotationId}";
            var b = instance.Mask.Bbox;
            Rect? box = wholeImages || b.Width <= 0 || b.Height <= 0 ? null : new Rect(b.X, b.Y, b.Width, b.Height);
            if (!wholeImages && box is null)
                continue; // an empty mask has no box to prompt with
            items.Add(new RankInputItem(new RankItem(id, image.FileName, box), image.Path, instance.Mask));
        }
        if (items.Count == 0)
            throw new RankInputException($"--ground-truth {path} has no instance to rank.");
        return items;
    }

    private static Rect BoxOf(double x, double y, double w, double h)
    {
        var x0 = (int)Math.Floor(x);
        var y0 = (int)Math.Floor(y);
        return new Rect(x0, y0, Math.Max(1, (int)Math.Ceiling(x + w) - x0), Math.Max(1, (int)Math.Ceiling(y + h) - y0));
    }
}
