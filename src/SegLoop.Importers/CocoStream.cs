using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using SegLoop.Vision.Coco;

namespace SegLoop.Importers;

/// <summary>
/// A COCO instances file read in two passes so that memory stays flat with the number of annotations
/// (train2017 has 860k): a forward-only <see cref="Utf8JsonReader"/> pass over a buffered stream keeps the images and
/// categories (small) and, per annotation, only its image id and where its bytes lie in the file (24 bytes); each
/// annotation is checked as it passes and dropped. <see cref="ReadAsync"/> then reads one image's annotations back
/// from those ranges at a time. The order of tasks and of annotations within a task is the file's.
/// </summary>
public sealed class CocoStream
{
    private const int InitialBuffer = 64 * 1024;

    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new CocoSegmentationJsonConverter() },
    };

    private readonly string _path;
    private readonly AnnotationRange[] _ranges; // sorted by image id, then file offset

    private CocoStream(string path, List<CocoImage> images, Dictionary<long, string> categories, AnnotationRange[] ranges)
    {
        _path = path;
        Images = images;
        Categories = categories;
        _ranges = ranges;
    }

    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>Class name by category id (the first definition of an id wins).</summary>
    public IReadOnlyDictionary<long, string> Categories { get; }

    public int AnnotationCount => _ranges.Length;

    /// <summary>
    /// The first pass. A file that is not an instances document gives a <see cref="CocoMaskException"/> naming where,
    /// as <see cref="CocoDataset.LoadAsync(string, CancellationToken)"/> does.
    /// </summary>
    public static CocoStream Open(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var scan = new Scan();
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            int filled = 0;
            long bufferStart = 0;
            var final = false;
            // A UTF-8 byte order mark, which the serializer skips and the reader does not.
            while (filled < 3 && !final)
            {
                var first = stream.Read(buffer, filled, buffer.Length - filled);
                final = first == 0;
                filled += first;
            }
            if (buffer.AsSpan(0, filled).StartsWith("\uFEFF"u8))
            {
                buffer.AsSpan(3, filled - 3).CopyTo(buffer);
                filled -= 3;
                bufferStart = 3;
            }
            var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int consumed;
                try
                {
                    var reader = new Utf8JsonReader(buffer.AsSpan(0, filled), final, state);
                    if (scan.Step(ref reader, bufferStart))
                        break;
                    consumed = (int)reader.BytesConsumed;
                    state = reader.CurrentState;
                }
                catch (JsonException e)
                {
                    throw new CocoMaskException($"COCO json is not a valid instances document at {scan.Where(e)} (line {e.LineNumber + 1}): {e.Message}", e);
                }
                if (final)
                    throw new CocoMaskException($"COCO json is not a valid instances document at {scan.Where(null)}: it ends early.");
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                bufferStart += consumed;
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = stream.Read(buffer, filled, buffer.Length - filled);
                final = read == 0;
                filled += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var ranges = scan.Ranges.ToArray();
        scan.Ranges.Clear();
        Array.Sort(ranges);
        return new CocoStream(path, scan.Images, scan.Categories, ranges);
    }

    /// <summary>Each image with its annotations, one image at a time; duplicate image ids each get all of the id's annotations.</summary>
    public async IAsyncEnumerable<(CocoImage Image, IReadOnlyList<CocoAnnotation> Annotations)> ReadAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            foreach (var image in Images)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var annotations = new List<CocoAnnotation>();
                for (var i = FirstOf(image.Id); i < _ranges.Length && _ranges[i].ImageId == image.Id; i++)
                {
                    var range = _ranges[i];
                    if (buffer.Length < range.Length)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(range.Length);
                    }
                    await ReadExactlyAsync(handle, buffer.AsMemory(0, range.Length), range.Offset, cancellationToken).ConfigureAwait(false);
                    annotations.Add(JsonSerializer.Deserialize<CocoAnnotation>(buffer.AsSpan(0, range.Length), Options)
                        ?? throw new CocoMaskException($"COCO json changed while it was imported: the annotation at byte {range.Offset} is null."));
                }
                yield return (image, annotations);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int FirstOf(long imageId)
    {
        int lo = 0, hi = _ranges.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_ranges[mid].ImageId < imageId)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    private static async Task ReadExactlyAsync(SafeFileHandle handle, Memory<byte> into, long offset, CancellationToken cancellationToken)
    {
        while (into.Length > 0)
        {
            var read = await RandomAccess.ReadAsync(handle, into, offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
                throw new CocoMaskException($"COCO json changed while it was imported: it ends before byte {offset + into.Length}.");
            into = into[read..];
            offset += read;
        }
    }

    private readonly record struct AnnotationRange(long ImageId, long Offset, int Length) : IComparable<AnnotationRange>
    {
        public int CompareTo(AnnotationRange other) =>
            ImageId != other.ImageId ? ImageId.CompareTo(other.ImageId) : Offset.CompareTo(other.Offset);
    }

    private enum Section { Other, Images, Annotations, Categories }

    private enum Position { Start, Root, Value, Array, End }

    /// <summary>Where the first pass is; <see cref="Step"/> resumes from here after each refill of the buffer.</summary>
    private sealed class Scan
    {
        private Position _position;
        private Section _section;
        private string _property = "";
        private int _index;

        public List<CocoImage> Images { get; } = [];
        public Dictionary<long, string> Categories { get; } = [];
        public List<AnnotationRange> Ranges { get; } = [];

        public string Where(JsonException? e)
        {
            var inner = e?.Path is { Length: > 1 } p ? p[1..] : "";
            return _position switch
            {
                Position.Array => $"$.{_property}[{_index}]{inner}",
                Position.Value => $"$.{_property}",
                _ => "$",
            };
        }

        /// <summary>Reads what the buffer holds; true when the document is done, false when it needs more bytes.</summary>
        public bool Step(ref Utf8JsonReader reader, long bufferStart)
        {
            while (true)
            {
                var checkpoint = reader;
                if (!reader.Read())
                    return _position == Position.End && reader.IsFinalBlock;
                switch (_position)
                {
                    case Position.Start:
                        if (reader.TokenType == JsonTokenType.Null)
                            throw new CocoMaskException("COCO json is the literal null, not a dataset object.");
                        if (reader.TokenType != JsonTokenType.StartObject)
                            throw new JsonException($"The document is a {reader.TokenType}, not a dataset object.");
                        _position = Position.Root;
                        break;
                    case Position.Root:
                        if (reader.TokenType == JsonTokenType.EndObject)
                        {
                            _position = Position.End;
                            break;
                        }
                        _property = reader.GetString()!;
                        _section = _property switch
                        {
                            "images" => Section.Images,
                            "annotations" => Section.Annotations,
                            "categories" => Section.Categories,
                            _ => Section.Other,
                        };
                        _position = Position.Value;
                        break;
                    case Position.Value:
                        if (_section == Section.Other)
                        {
                            if (!reader.TrySkip())
                            {
                                reader = checkpoint;
                                return false;
                            }
                            _position = Position.Root;
                        }
                        else if (reader.TokenType == JsonTokenType.Null)
                        {
                            throw new CocoMaskException("COCO json has \"images\", \"annotations\" or \"categories\" set to null; each must be a list.");
                        }
                        else if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw new JsonException($"\"{_property}\" is a {reader.TokenType}, not a list.");
                        }
                        else
                        {
                            _position = Position.Array;
                            _index = 0;
                        }
                        break;
                    case Position.Array:
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            _position = Position.Root;
                            break;
                        }
                        var probe = reader;
                        if (!probe.TrySkip())
                        {
                            reader = checkpoint;
                            return false;
                        }
                        Element(ref reader, bufferStart);
                        _index++;
                        break;
                    case Position.End:
                        return true;
                }
            }
        }

        /// <summary>One whole element of images, annotations or categories, all of it in the buffer.</summary>
        private void Element(ref Utf8JsonReader reader, long bufferStart)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException($"An element of \"{_property}\" is a {reader.TokenType}, not an object.");
            switch (_section)
            {
                case Section.Images:
                    Images.Add(JsonSerializer.Deserialize<CocoImage>(ref reader, Options)!);
                    break;
                case Section.Categories:
                    var category = JsonSerializer.Deserialize<CocoCategory>(ref reader, Options)!;
                    Categories.TryAdd(category.Id, category.Name);
                    break;
                default:
                    var start = reader.TokenStartIndex;
                    // Checked in full as it passes (a bad segmentation fails the import here, as it did when the whole
                    // file was deserialized), then dropped: only the image id and the byte range stay.
                    var annotation = JsonSerializer.Deserialize<CocoAnnotation>(ref reader, Options)!;
                    var length = reader.BytesConsumed - start;
                    Ranges.Add(new AnnotationRange(annotation.ImageId, bufferStart + start, checked((int)length)));
                    break;
            }
        }
    }
}
