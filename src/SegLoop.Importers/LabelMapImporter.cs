using System.Globalization;
using SegLoop.Contracts;
using SegLoop.Ingest;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Importers;

/// <summary>One class of a label map's class list.</summary>
public sealed record LabelClass(int Id, string Name);

/// <summary>
/// A label-map export (CamVid/Cityscapes style) as one full-scene task per image: each label PNG holds class ids
/// (grayscale, read unchanged); each 8-connected region of a class, or each instance id when an instance PNG is
/// given, becomes an instance. Classes named by <c>--ignore</c> (void) give no instances.
/// </summary>
public sealed class LabelMapImporter(string imagesDir, string labelsDir, string classesPath, string? instancesDir,
    IReadOnlyCollection<string> ignore, DecodeOptions? decode = null) : IAnnotationImporter
{
    public const int Connectivity = 8;
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    public ImportTasks Open(ImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var classes = ReadClasses(classesPath);
        var ignored = classes.Where(c => IsIgnored(c, ignore)).Select(c => c.Id).ToHashSet();
        var images = new FolderImageSource(imagesDir);
        if (!Directory.Exists(labelsDir))
            throw new DirectoryNotFoundException($"The label folder {labelsDir} does not exist.");
        var labels = Directory.EnumerateFiles(labelsDir, "*.png").Order(StringComparer.Ordinal).ToList();
        return ImportTasks.Lazily(labels, label => ToRequest(label, imagesDir, instancesDir, classes, ignored, images, target, decode ?? DecodeOptions.Default));
    }

    /// <summary>Reads "id name" lines (CamVid classes.txt) or one name per line (the id is the line number).</summary>
    public static IReadOnlyList<LabelClass> ReadClasses(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var classes = new List<LabelClass>();
        for (var i = 0; i < lines.Count; i++)
        {
            var space = lines[i].IndexOf(' ', StringComparison.Ordinal);
            classes.Add(space > 0 && int.TryParse(lines[i][..space], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? new LabelClass(id, lines[i][(space + 1)..].Trim())
                : new LabelClass(i, lines[i]));
        }
        var duplicate = classes.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"{path} names class id {duplicate.Key} more than once.");
        return classes;
    }

    /// <summary>A class is ignored when a token equals its id or name, or one of the words of its name ("void" matches "Unlabelled (void)").</summary>
    public static bool IsIgnored(LabelClass c, IReadOnlyCollection<string> ignore)
    {
        ArgumentNullException.ThrowIfNull(c);
        var words = c.Name.Split([' ', '(', ')', '_', '-', '/', ','], StringSplitOptions.RemoveEmptyEntries);
        return ignore.Any(t => t == c.Id.ToString(CultureInfo.InvariantCulture)
                               || string.Equals(t, c.Name, StringComparison.OrdinalIgnoreCase)
                               || words.Contains(t, StringComparer.OrdinalIgnoreCase));
    }

    private static IngestRequest ToRequest(string labelPath, string imagesDir, string? instancesDir, IReadOnlyList<LabelClass> classes,
        HashSet<int> ignored, IImageSource images, ImportTarget target, DecodeOptions decode)
    {
        var stem = Path.GetFileNameWithoutExtension(labelPath);
        var problems = new List<Rejection>();
        var instances = new List<PayloadInstance?>();
        var imageName = ImageExtensions.Select(e => stem + e).FirstOrDefault(n => File.Exists(Path.Combine(imagesDir, n))) ?? stem + ".png";
        var labels = ReadSingleChannel(labelPath, "label", problems, decode, out var w, out var h);
        byte[]? instanceIds = null;
        if (labels is not null && instancesDir is not null)
        {
            instanceIds = ReadSingleChannel(Path.Combine(instancesDir, stem + ".png"), "instance", problems, decode, out var iw, out var ih);
            if (instanceIds is not null && (iw != w || ih != h))
            {
                problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"The instance PNG of {stem} is {iw}x{ih} but its label PNG is {w}x{h}.", stem));
                instanceIds = null;
            }
        }
        if (labels is not null)
        {
            var byId = classes.ToDictionary(c => c.Id);
            var unknown = labels.Distinct().Where(v => !byId.ContainsKey(v)).Order().ToList();
            if (unknown.Count > 0)
                problems.Add(RejectionCodes.Of(RejectionCodes.UnknownCategory,
                    $"The label PNG of {stem} holds class id(s) {string.Join(", ", unknown)}, which the class list does not define.", stem));
            else if (instanceIds is not null)
                AddByInstanceId(labels, instanceIds, w, h, byId, ignored, instances);
            else
                AddByRegion(labels, w, h, byId, ignored, instances);
        }
        var payload = new TaskPayload
        {
            TaskId = stem, Customer = target.Customer, Project = target.Project, Domain = target.Domain,
            Image = imageName, FullScene = true, Instances = instances,
        };
        return new IngestRequest(payload, EntryPoints.CliLabelMap, SourceFormats.LabelMap) { ImageSource = images, ImportProblems = problems };
    }

    private static void AddByRegion(byte[] labels, int w, int h, Dictionary<int, LabelClass> classes, HashSet<int> ignored, List<PayloadInstance?> instances)
    {
        foreach (var classId in labels.Distinct().Order())
        {
            if (ignored.Contains(classId))
                continue;
            var classMask = new byte[labels.Length];
            for (var i = 0; i < labels.Length; i++)
                classMask[i] = labels[i] == classId ? (byte)1 : (byte)0;
            var components = MaskOps.ConnectedComponents(Mask.FromBytes(w, h, classMask), Connectivity);
            if (components.Components.Count == 0)
                continue;
            var rles = RegionRles(components.Labels.Span, w, h, components.Components.Max(c => c.Label));
            foreach (var component in components.Components)
            {
                instances.Add(new PayloadInstance
                {
                    Id = $"{classId}-{component.Label}",
                    ClassName = classes[classId].Name,
                    Rle = RlePayload.Of(rles[component.Label]!),
                });
            }
        }
    }

    /// <summary>
    /// The COCO RLE of every labelled region in one column-major pass over the label image: each pixel extends its
    /// region's last run or starts a new one. (A full-size mask per region made a map of many small regions, such as
    /// isolated pixels, quadratic: 48 s for 400x400.)
    /// </summary>
    internal static RleMask?[] RegionRles(ReadOnlySpan<int> rowMajorLabels, int w, int h, int maxLabel)
    {
        var runs = new List<uint>?[maxLabel + 1];
        var lastEnd = new long[maxLabel + 1];
        for (var x = 0; x < w; x++)
        {
            for (var y = 0; y < h; y++)
            {
                var label = rowMajorLabels[(y * w) + x];
                if (label <= 0)
                    continue;
                long p = ((long)x * h) + y;
                var list = runs[label] ??= [];
                if (list.Count > 0 && lastEnd[label] == p)
                {
                    list[^1]++;
                }
                else
                {
                    list.Add((uint)(p - lastEnd[label]));
                    list.Add(1);
                }
                lastEnd[label] = p + 1;
            }
        }
        var total = (long)w * h;
        var rles = new RleMask?[maxLabel + 1];
        for (var label = 1; label <= maxLabel; label++)
        {
            if (runs[label] is not { } list)
                continue;
            if (lastEnd[label] < total)
                list.Add((uint)(total - lastEnd[label]));
            rles[label] = new RleMask(h, w, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        }
        return rles;
    }

    private static void AddByInstanceId(byte[] labels, byte[] instanceIds, int w, int h, Dictionary<int, LabelClass> classes, HashSet<int> ignored,
        List<PayloadInstance?> instances)
    {
        foreach (var instanceId in instanceIds.Distinct().Where(v => v != 0).Order())
        {
            var mask = new byte[labels.Length];
            var votes = new int[256];
            for (var i = 0; i < labels.Length; i++)
            {
                if (instanceIds[i] != instanceId)
                    continue;
                mask[i] = 1;
                votes[labels[i]]++;
            }
            var classId = Array.IndexOf(votes, votes.Max());
            if (ignored.Contains(classId))
                continue;
            instances.Add(new PayloadInstance
            {
                Id = instanceId.ToString(CultureInfo.InvariantCulture),
                ClassName = classes[classId].Name,
                Rle = RlePayload.Of(RleMask.Encode(mask, h, w)),
            });
        }
    }

    private static byte[]? ReadSingleChannel(string path, string kind, List<Rejection> problems, DecodeOptions decode, out int width, out int height)
    {
        width = height = 0;
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"The {kind} PNG {path} does not exist.", name));
            return null;
        }
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (PngBitDepth(bytes) is { } depth and not 8)
            {
                // The decoder scales other depths to 8 bits: ids 0/5/200/255 of a 16-bit map became 0/0/0/0 or
                // 0/1 of a 1-bit map 0/255, each ingested as the wrong class.
                problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable,
                    $"The {kind} PNG {name} is {depth}-bit; class and instance ids are read from 8-bit single-channel PNGs only " +
                    "(ids above 255 cannot be stored as one byte). Re-export it as an 8-bit grayscale PNG.", name));
                return null;
            }
            using var image = ImageCodec.Decode(bytes, new DecodeOptions { MaxPixels = decode.MaxPixels, Mode = DecodeMode.Unchanged });
            if (image.Channels != 1)
            {
                problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable,
                    $"The {kind} PNG {name} has {image.Channels} channels; class and instance ids are single-channel (grayscale) PNGs.", name));
                return null;
            }
            (width, height) = (image.Width, image.Height);
            return image.Pixels.ToArray();
        }
        catch (VisionException e)
        {
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"The {kind} PNG {name} cannot be decoded: {e.Message}", name));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // One unreadable file of the export (a folder named like a PNG, no permission) refuses its task, not the whole import.
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"The {kind} PNG {name} cannot be read: {e.Message}", name));
            return null;
        }
    }

    /// <summary>
    /// The bit depth a PNG's IHDR declares (byte 24: after the 8-byte signature, the chunk's length and type, and the
    /// width and height), or null when <paramref name="file"/> is not a PNG with an IHDR first (the decoder then says what it is).
    /// </summary>
    internal static int? PngBitDepth(ReadOnlySpan<byte> file) =>
        file.Length > 24 && file.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])
                         && file[12..16].SequenceEqual("IHDR"u8)
            ? file[24]
            : null;
}
