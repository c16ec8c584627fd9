using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Cli.Prelabel;

/// <summary>COCO's compressed RLE as results files spell it: {"size": [height, width], "counts": "..."}.</summary>
public sealed record RleJson(
    [property: JsonPropertyName("size")] IReadOnlyList<int> Size,
    [property: JsonPropertyName("counts")] string Counts);

/// <summary>The prompt a result answers (what evaluate reads as prompt.label / prompt.box).</summary>
public sealed record PromptJson(
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("box")] IReadOnlyList<double> Box);

/// <summary>One entry of the COCO-results file.</summary>
public sealed record PrelabelResult(
    [property: JsonPropertyName("image_id")] long ImageId,
    [property: JsonPropertyName("category_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CategoryId,
    [property: JsonPropertyName("segmentation")] RleJson Segmentation,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("bbox")] IReadOnlyList<double> Bbox,
    [property: JsonPropertyName("annotation_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AnnotationId,
    [property: JsonPropertyName("file_name")] string FileName,
    [property: JsonPropertyName("prompt")] PromptJson Prompt);

/// <summary>An image that got no masks, and why (PreAnnotationFailed's code and reason, or a local problem).</summary>
public sealed record PrelabelFailure(
    [property: JsonPropertyName("image_id")] long ImageId,
    [property: JsonPropertyName("file_name")] string FileName,
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>First line of the progress file: the settings its request ids were made with.</summary>
public sealed record ProgressHeader(
    [property: JsonPropertyName("salt")] string Salt,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("threshold")] double Threshold);

/// <summary>A finished image in the progress file: its request id and every result it produced.</summary>
public sealed record ProgressEntry(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("image_id")] long ImageId,
    [property: JsonPropertyName("file_name")] string FileName,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("results")] IReadOnlyList<PrelabelResult> Results);

/// <summary>
/// The resume file beside the output (<c>results.json.progress.jsonl</c>): a header line, then one line per image
/// whose masks came back, appended and flushed as each arrives. A rerun reads it, skips those images and keeps
/// their results. Only completed images are recorded: failed ones are tried again. A torn last line (the process
/// was killed while writing it) is ignored and that image is simply done again.
/// </summary>
public sealed class PrelabelState : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly FileStream _stream;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProgressEntry> _done;

    private PrelabelState(FileStream stream, Dictionary<string, ProgressEntry> done)
    {
        _stream = stream;
        _done = done;
    }

    public static string PathFor(string outputPath) => outputPath + ".progress.jsonl";

    public IReadOnlyDictionary<string, ProgressEntry> Done
    {
        get
        {
            lock (_gate)
                return new Dictionary<string, ProgressEntry>(_done);
        }
    }

    /// <summary>Opens (or starts) the progress file; refuses one written with other settings, which would mix two runs.</summary>
    public static PrelabelState Open(string path, ProgressHeader header)
    {
        var done = new Dictionary<string, ProgressEntry>(StringComparer.Ordinal);
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        long completeLength = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var exists = completeLength > 0; // a header torn before its newline counts as no file
        if (exists)
        {
            var lines = Encoding.UTF8.GetString(bytes).Split('\n');
            ProgressHeader? existing;
            try
            {
                existing = JsonSerializer.Deserialize<ProgressHeader>(lines[0], Json);
            }
            catch (JsonException e)
            {
                throw new PrelabelInputException($"{path} does not start with a prelabel progress header ({e.Message}); delete it to start over.", e);
            }
            if (existing is null || existing.Salt != header.Salt)
            {
                throw new PrelabelInputException(
                    $"{path} belongs to a run with other settings (source {existing?.Source}, model {existing?.Model ?? "default"}, threshold {existing?.Threshold}); "
                    + "delete it to start over, or choose another --out.");
            }
            for (var i = 1; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                    continue;
                try
                {
                    var entry = JsonSerializer.Deserialize<ProgressEntry>(lines[i], Json);
                    if (entry is not null)
                        done[entry.RequestId] = entry;
                }
                catch (JsonException) when (i == lines.Length - 1)
                {
                    // The last line was torn by a kill mid-write: that image is done again.
                }
                catch (JsonException e)
                {
                    throw new PrelabelInputException($"{path} line {i + 1} is not a progress entry ({e.Message}); fix or delete that line.", e);
                }
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new FileStream(path, exists ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        var state = new PrelabelState(stream, done);
        if (!exists)
        {
            state.WriteLine(JsonSerializer.Serialize(header, Json));
        }
        else if (completeLength < stream.Length)
        {
            // Cut a torn tail off at the last complete line, so the next line starts clean.
            stream.SetLength(completeLength);
        }
        return state;
    }

    public void Record(ProgressEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var line = JsonSerializer.Serialize(entry, Json);
        lock (_gate)
        {
            if (!_done.TryAdd(entry.RequestId, entry))
                return; // a redelivered answer to an image already recorded
            WriteLine(line);
        }
    }

    private void WriteLine(string line)
    {
        _stream.Seek(0, SeekOrigin.End);
        _stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
