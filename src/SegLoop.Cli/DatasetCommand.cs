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
        };
        var taxonomy = new Option<string?>("--taxonomy-version")
        {
            Description = "Only crops of this taxonomy version (default: CropBuilder:Dataset:TaxonomyVersion, else all).",
        };
        var build = new Command("build", "Assemble a stratified, split training set from the emitted crops.") { date, output, data, taxonomy };
        // Reading every manifest of a large store takes long, and a hung store never answers: a signal ends it within seconds.
        build.SetAction((parse, cancellationToken) => Termination.RunAsync("dataset build", termination =>
            BuildAsync(parse.GetValue(date)!, parse.GetValue(output)!, parse.GetValue(data)!, parse.GetValue(taxonomy), termination.Token), cancellationToken));
        return new Command("dataset", "Training sets from the emitted crops.") { build };
    }

    public static async Task<int> BuildAsync(string date, string output, DirectoryInfo data, string? taxonomyVersion, CancellationToken cancellationToken)
    {
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            await Console.Error.WriteLineAsync($"--date '{date}' is not a date in the form yyyy-MM-dd.");
            return 2;
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Storage:Kind"] = "Local",
                ["Storage:Local:Root"] = data.FullName,
            },
        });
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddCropBuilder(builder.Configuration);
        using var host = builder.Build();
        var result = await host.Services.GetRequiredService<DatasetBuilder>().BuildAsync(day, output, taxonomyVersion, cancellationToken);
        Console.Write(result.Stats.ToTable());
        var where = host.Services.GetRequiredService<IBlobStore>() is SegLoop.Storage.Local.LocalFolderBlobStore ? data.FullName + "/" : "";
        Console.WriteLine($"manifest:      {where}{result.ManifestKey}");
        Console.WriteLine($"stats:         {where}{result.StatsKey}");
        Console.WriteLine($"contact sheet: {where}{result.ContactSheetKey}");
        return 0;
    }
}
