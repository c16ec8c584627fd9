using SegLoop.Contracts;
using SegLoop.Ingest;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Importers;

/// <summary>
/// A PASCAL VOC segmentation export as one task per image: every object of <c>SegmentationObject/</c> becomes an
/// instance whose class is the majority class under its pixels in <c>SegmentationClass/</c>, named by
/// <c>class_names.txt</c>. OpenCV decodes the palette PNGs to BGR colours, which map back to indices through the
/// standard VOC colormap; 255 (224,224,192) is void/border and 0 background.
/// </summary>
public sealed class VocImporter(string root, DecodeOptions? decode = null) : IAnnotationImporter
{
    public const int Void = 255;

    public ImportTasks Open(ImportTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var classNames = ReadClassNames(Path.Combine(root, "class_names.txt"));
        var images = new FolderImageSource(Path.Combine(root, "JPEGImages"));
        var objects = Path.Combine(root, "SegmentationObject");
        if (!Directory.Exists(objects))
            throw new DirectoryNotFoundException($"{objects} does not exist: a VOC root holds SegmentationObject/, SegmentationClass/ and JPEGImages/.");
        var stems = Directory.EnumerateFiles(objects, "*.png").Order(StringComparer.Ordinal).Select(Path.GetFileNameWithoutExtension).ToList();
        return ImportTasks.Lazily(stems!, stem => ToRequest(root, stem, classNames, images, target, decode ?? DecodeOptions.Default));
    }

    public static IReadOnlyList<string> ReadClassNames(string path) =>
        File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private static IngestRequest ToRequest(string root, string stem, IReadOnlyList<string> classNames, IImageSource images, ImportTarget target, DecodeOptions decode)
    {
        var problems = new List<Rejection>();
        var instances = new List<PayloadInstance?>();
        var objectIndices = ReadIndices(Path.Combine(root, "SegmentationObject", stem + ".png"), problems, decode, out var w, out var h);
        var classIndices = ReadIndices(Path.Combine(root, "SegmentationClass", stem + ".png"), problems, decode, out var cw, out var ch);
        if (objectIndices is not null && classIndices is not null && (w != cw || h != ch))
        {
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"SegmentationObject/{stem}.png is {w}x{h} but SegmentationClass/{stem}.png is {cw}x{ch}.", stem));
        }
        else if (objectIndices is not null && classIndices is not null)
        {
            foreach (var objectIndex in objectIndices.Where(v => v is not 0 and not Void).Distinct().Order())
            {
                var votes = new int[256];
                var mask = new byte[objectIndices.Length];
                for (var i = 0; i < mask.Length; i++)
                {
                    if (objectIndices[i] != objectIndex)
                        continue;
                    mask[i] = 1;
                    votes[classIndices[i]]++;
                }
                votes[0] = votes[Void] = 0;
                var classIndex = Array.IndexOf(votes, votes.Max());
                var id = objectIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (votes[classIndex] == 0 || classIndex >= classNames.Count)
                {
                    problems.Add(RejectionCodes.Of(RejectionCodes.UnknownCategory, votes[classIndex] == 0
                        ? $"Object {id} of {stem} lies only on background or void in SegmentationClass/{stem}.png."
                        : $"Object {id} of {stem} has class index {classIndex}, beyond the {classNames.Count} names of class_names.txt.", id));
                    continue;
                }
                var rle = RleMask.Encode(mask, h, w);
                instances.Add(new PayloadInstance { Id = id, ClassName = classNames[classIndex], Rle = RlePayload.Of(rle) });
            }
        }
        var payload = new TaskPayload
        {
            TaskId = stem, Customer = target.Customer, Project = target.Project, Domain = target.Domain,
            Image = stem + ".jpg", FullScene = false, Instances = instances,
        };
        return new IngestRequest(payload, EntryPoints.CliVoc, SourceFormats.Voc) { ImageSource = images, ImportProblems = problems };
    }

    /// <summary>The palette indices of a VOC PNG (decoded to BGR by OpenCV, mapped back through the colormap), or null with a problem.</summary>
    private static byte[]? ReadIndices(string path, List<Rejection> problems, DecodeOptions decode, out int width, out int height)
    {
        width = height = 0;
        var name = Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(path)!)!, path);
        if (!File.Exists(path))
        {
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"{name} does not exist.", name));
            return null;
        }
        try
        {
            using var image = ImageCodec.Decode(File.ReadAllBytes(path), new DecodeOptions { MaxPixels = decode.MaxPixels, Mode = DecodeMode.Color });
            (width, height) = (image.Width, image.Height);
            var pixels = image.Pixels;
            var indices = new byte[width * height];
            for (var i = 0; i < indices.Length; i++)
            {
                var index = VocColormap.IndexOf(pixels[(i * 3) + 2], pixels[(i * 3) + 1], pixels[i * 3]);
                if (index < 0)
                {
                    problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable,
                        $"{name} has the colour ({pixels[(i * 3) + 2]},{pixels[(i * 3) + 1]},{pixels[i * 3]}) at pixel ({i % width}, {i / width}), which is not in the VOC palette.", name));
                    return null;
                }
                indices[i] = (byte)index;
            }
            return indices;
        }
        catch (VisionException e)
        {
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"{name} cannot be decoded: {e.Message}", name));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // One unreadable file of the export refuses its task, not the whole import.
            problems.Add(RejectionCodes.Of(RejectionCodes.LabelUnreadable, $"{name} cannot be read: {e.Message}", name));
            return null;
        }
    }
}

/// <summary>The standard PASCAL VOC colormap (bitwise): index i spreads its bits over R, G and B, high bits first.</summary>
public static class VocColormap
{
    private static readonly Dictionary<int, int> ByColour = Enumerable.Range(0, 256).ToDictionary(i => Pack(Colour(i)), i => i);

    public static (byte R, byte G, byte B) Colour(int index)
    {
        int r = 0, g = 0, b = 0, c = index;
        for (var j = 0; j < 8; j++)
        {
            r |= ((c >> 0) & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
            c >>= 3;
        }
        return ((byte)r, (byte)g, (byte)b);
    }

    /// <summary>The palette index of an RGB colour, or -1 when the colour is not in the palette.</summary>
    public static int IndexOf(byte r, byte g, byte b) => ByColour.TryGetValue(Pack((r, g, b)), out var i) ? i : -1;

    private static int Pack((byte R, byte G, byte B) c) => (c.R << 16) | (c.G << 8) | c.B;
}

internal static class RlePayload
{
    public static PayloadRle Of(RleMask rle) => PayloadRle.Of(rle);
}
