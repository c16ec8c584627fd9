using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SegLoop.ActiveLearning;

namespace SegLoop.Cli.Rank;

/// <summary>Bad rank input: the message is the whole explanation (exit code 2).</summary>
public sealed class RankInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>First line of the state file: the settings the rankings were made with.</summary>
public sealed record RankStateHeader(
    [property: JsonPropertyName("salt")] string Salt,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("segmenter")] string Segmenter,
    [property: JsonPropertyName("passes")] int Passes);

/// <summary>How an item's model mask compares with ground truth (evaluation runs only).</summary>
public sealed record ItemEvaluation(
    [property: JsonPropertyName("iou")] double Iou,
    [property: JsonPropertyName("superpixel_error_pixels")] IReadOnlyList<int> SuperpixelErrorPixels);

/// <summary>A finished item in the state file.</summary>
public sealed record RankStateEntry(
    [property: JsonPropertyName("item")] string Item,
    [property: JsonPropertyName("ranking")] ItemRanking Ranking,
    [property: JsonPropertyName("evaluation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ItemEvaluation? Evaluation);

/// <summary>
/// The resume file in the output folder (<c>rank-state.jsonl</c>), keyed by item like prelabel's progress file: a header
/// line, then one line per ranked item, appended and flushed as each finishes. A rerun skips the items in it. Failed
/// items are not recorded, so a rerun tries them again; a torn last line (killed mid-write) is dropped and redone.
/// </summary>
public sealed class RankState : IDisposable
{
    public const string FileName = "rank-state.jsonl";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly FileStream _stream;
    private readonly Dictionary<string, RankStateEntry> _done;

    private RankState(FileStream stream, Dictionary<string, RankStateEntry> done)
    {
        _stream = stream;
        _done = done;
    }

    public IReadOnlyDictionary<string, RankStateEntry> Done => _done;

    /// <summary>Opens (or starts) the state file; refuses one written with other settings, which would mix two rankings.</summary>
    public static RankState Open(string path, RankStateHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var done = new Dictionary<string, RankStateEntry>(StringComparer.Ordinal);
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        long completeLength = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var exists = completeLength > 0;
        if (exists)
        {
            var lines = Encoding.UTF8.GetString(bytes, 0, (int)completeLength).Split('\n');
            RankStateHeader? existing;
            try
            {
                existing = JsonSerializer.Deserialize<RankStateHeader>(lines[0], Json);
            }
            catch (JsonException e)
            {
                throw new RankInputException($"{path} does not start with a rank state header ({e.Message}); delete it to start over.", e);
            }
            if (existing is null || existing.Salt != header.Salt)
            {
                throw new RankInputException(
                    $"{path} belongs to a ranking with other settings (source {existing?.Source}, segmenter {existing?.Segmenter}, D = {existing?.Passes}); "
                    + "delete it to start over, or choose another --out.");
            }
            for (var i = 1; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                    continue;
                try
                {
                    if (JsonSerializer.Deserialize<RankStateEntry>(lines[i], Json) is { } entry)
                        done[entry.Item] = entry;
                }
                catch (JsonException e)
                {
                    throw new RankInputException($"{path} line {i + 1} is not a rank state entry ({e.Message}); fix or delete that line.", e);
                }
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new FileStream(path, exists ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        var state = new RankState(stream, done);
        if (!exists)
            state.WriteLine(JsonSerializer.Serialize(header, Json));
        else if (completeLength < stream.Length)
            stream.SetLength(completeLength); // a torn tail: cut at the last complete line
        return state;
    }

    public void Record(RankStateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_done.TryAdd(entry.Item, entry))
            WriteLine(JsonSerializer.Serialize(entry, Json));
    }

    private void WriteLine(string line)
    {
        _stream.Seek(0, SeekOrigin.End);
        _stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
