using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Storage;

namespace SegLoop.CropBuilder.Datasets;

/// <summary>Where a dataset was written and what it holds.</summary>
public sealed record DatasetBuildResult(string ManifestKey, string StatsKey, string ContactSheetKey, DatasetStats Stats, IReadOnlyList<DatasetEntry> Entries);

/// <summary>
/// Assembles a training set from every crop manifest (of one taxonomy version, or all) and writes
/// {prefix}/{yyyy-MM-dd}/manifest.jsonl, stats.json and contact-sheet.html. Building the same date again over the
/// same crops rewrites the same bytes.
/// </summary>
public sealed class DatasetBuilder(IBlobStore store, IOptions<CropBuilderOptions> options, ILogger<DatasetBuilder> logger)
{
    private readonly DatasetOptions _options = options.Value.Dataset;

    public async Task<DatasetBuildResult> BuildAsync(DateOnly date, string? outputPrefix = null, string? taxonomyVersion = null,
        CancellationToken cancellationToken = default)
    {
        var prefix = (outputPrefix ?? _options.OutputPrefix).TrimEnd('/');
        var version = taxonomyVersion ?? _options.TaxonomyVersion;
        var dateText = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var rows = new List<CropManifestRow>();
        var manifests = 0;
        await foreach (var key in store.ListAsync(CropKeys.ManifestPrefix(version), cancellationToken).ConfigureAwait(false))
        {
            if (!key.EndsWith(".jsonl", StringComparison.Ordinal))
                continue;
            rows.AddRange(ImageCropper.ReadManifest(await store.GetBytesAsync(key, cancellationToken).ConfigureAwait(false), key));
            manifests++;
        }

        var entries = DatasetAssembler.Assemble(rows, _options);
        var stats = DatasetStats.From(dateText, manifests, rows, entries);

        var manifestKey = BlobKey.Combine(prefix, dateText, "manifest.jsonl");
        var statsKey = BlobKey.Combine(prefix, dateText, "stats.json");
        var sheetKey = BlobKey.Combine(prefix, dateText, "contact-sheet.html");
        var manifest = new StringBuilder();
        foreach (var entry in entries)
            manifest.Append(JsonSerializer.Serialize(entry, JsonDefaults.Options)).Append('\n');
        await store.PutBytesAsync(manifestKey, Encoding.UTF8.GetBytes(manifest.ToString()), "application/x-ndjson", cancellationToken).ConfigureAwait(false);
        await store.PutBytesAsync(statsKey, JsonSerializer.SerializeToUtf8Bytes(stats, new JsonSerializerOptions(JsonDefaults.Options) { WriteIndented = true }),
            "application/json", cancellationToken).ConfigureAwait(false);
        var sheet = await ContactSheet.RenderAsync($"SegLoop training set {dateText}", sheetKey, entries, stats, store,
            _options.ContactSheetSamplesPerClass, _options.ContactSheetThumbnailSize, cancellationToken).ConfigureAwait(false);
        await store.PutBytesAsync(sheetKey, Encoding.UTF8.GetBytes(sheet), "text/html; charset=utf-8", cancellationToken).ConfigureAwait(false);

        Log.DatasetBuilt(logger, dateText, entries.Count, rows.Count, manifests, prefix);
        return new DatasetBuildResult(manifestKey, statsKey, sheetKey, stats, entries);
    }
}
