using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.CropBuilder;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop dataset build --date D</c>: assembles a training set from every crop manifest in the store (the
/// local folder <c>--data</c>, or whatever <c>Storage:*</c> settings in the environment name) and writes
/// {out}/{date}/manifest.jsonl, stats.json and contact-sheet.html there; prints the stats table.
/// </summary>
public static class DatasetCommand
{
    public static Command Create()
    {
        var date = new Option<string>("--date")
        {
            Description = "Dataset date, yyyy-MM-dd (names the output folder).",
            Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "Key prefix (folder in the store) the dataset is written under.",
            DefaultValueFactory = _ => "datasets",
        };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Folder of the local blob store (used unless Storage__Kind=S3 is set).",
            DefaultValueFactory = _ => new DirectoryInfo("segloop-data"),
        }.DataFolder();
        date.Validators.Add(result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                result.AddError($"--date '{text}' is not a date in the form yyyy-MM-dd.");
        });
        var taxonomy = new Option<string?>("--taxonomy-version")
        {
            Description = "Only crops of this taxonomy version (default: CropBuilder:Dataset:TaxonomyVersion, else all).",
        };
        var build = new Command("build", "Assemble a stratified, split training set from the emitted crops.") { date, output, data, taxonomy };
        // Reading every manifest of a large store takes long, and a hung store never answers: a signal ends it within seconds.
        build.SetAction((parse, cancellationToken) => Termination.RunAsync("dataset build", termination =>
            BuildAsync(parse.GetValue(date)!, parse.GetValue(output)!, parse.GetValue(data)!, parse.GetValue(taxonomy), termination.Token, parse.IsJson()),
            cancellationToken));
        return new Command("dataset", "Training sets from the emitted crops.") { build };
    }

    public static async Task<int> BuildAsync(string date, string output, DirectoryInfo data, string? taxonomyVersion, CancellationToken cancellationToken,
        bool json = false)
    {
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            await Console.Error.WriteLineAsync($"--date '{date}' is not a date in the form yyyy-MM-dd.");
            return 2;
        }
        var builder = LocalStoreHost.CreateBuilder(data);
        builder.Services.AddCropBuilder(builder.Configuration);
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<IBlobStore>();
        var local = store is SegLoop.Storage.Local.LocalFolderBlobStore;
        var prefix = CropKeys.ManifestPrefix(taxonomyVersion ?? host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CropBuilderOptions>>().Value.Dataset.TaxonomyVersion);
        if (!await store.ListAsync(prefix, cancellationToken).AnyAsync(k => k.EndsWith(".jsonl", StringComparison.Ordinal), cancellationToken))
        {
            // Nothing silent: an empty or wrong store would write an empty dataset and look like success.
            throw new CliInputException(
                $"no crop manifests under {(local ? Path.Combine(data.FullName, prefix) : prefix)}: the store holds no crops" +
                $"{(taxonomyVersion is null ? "" : $" of taxonomy version {taxonomyVersion}")}; ingest annotations first (segloop ingest ...), or point --data at the store that has them.");
        }
        var result = await host.Services.GetRequiredService<DatasetBuilder>().BuildAsync(day, output, taxonomyVersion, cancellationToken);
        var where = local ? data.FullName + "/" : "";
        if (json)
        {
            CliOutput.WriteJson(new
            {
                manifest = where + result.ManifestKey, stats = where + result.StatsKey, contactSheet = where + result.ContactSheetKey,
                summary = result.Stats,
            });
            return 0;
        }
        Console.Write(result.Stats.ToTable());
        Console.WriteLine($"manifest:      {where}{result.ManifestKey}");
        Console.WriteLine($"stats:         {where}{result.StatsKey}");
        Console.WriteLine($"contact sheet: {where}{result.ContactSheetKey}");
        return 0;
    }
}
