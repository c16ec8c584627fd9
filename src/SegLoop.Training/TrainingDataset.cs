using System.Text;
using System.Text.Json;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Storage;

namespace SegLoop.Training;

/// <summary>A dataset manifest <c>segloop dataset build</c> wrote: its key and its entries, in manifest order.</summary>
public sealed record TrainingDataset(string ManifestKey, IReadOnlyList<DatasetEntry> Entries)
{
    public IReadOnlyList<DatasetEntry> Split(string split) => Entries.Where(e => e.Split == split).ToList();

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
