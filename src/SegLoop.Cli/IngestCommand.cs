using System.CommandLine;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Hosting;
using SegLoop.Importers;
using SegLoop.Ingest;
using SegLoop.Storage;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop ingest coco|voc|labelmap|labelstudio|cvat</c>: turns an export into one task per image and runs each through
/// <see cref="IngestProcessor"/> (exact accept/reject results), publishing AnnotationIngested/Rejected on the bus.
/// With the default in-memory bus the embedded services run in this process; with <c>Bus__Transport=RabbitMq</c>
/// (and <c>Storage__Kind=S3</c>) the events go to the deployed services. Exit code: 0 all accepted, 1 some
/// rejected, 2 some failed (e.g. storage unreachable).
/// </summary>
public static class IngestCommand
{
    private static readonly Option<string> Customer = new("--customer") { Description = "Customer the data belongs to.", Required = true };
    private static readonly Option<string> Project = new("--project") { Description = "Project within the customer.", Required = true };
    private static readonly Option<string> Domain = new("--domain") { Description = "Image domain (street, retail, medical, ...).", Required = true };
    private static readonly Option<DirectoryInfo> Data = new Option<DirectoryInfo>("--data")
    {
        Description = "Folder of the local blob store when Storage:Kind is Local (the default).",
        DefaultValueFactory = _ => new DirectoryInfo("segloop-data"),
    }.DataFolder();

    public static Command Create()
    {
        var command = new Command("ingest", "Import annotated data (COCO, VOC, label maps, Label Studio, CVAT) into SegLoop.");
        command.Subcommands.Add(Coco());
        command.Subcommands.Add(Voc());
        command.Subcommands.Add(LabelMap());
        command.Subcommands.Add(LabelStudio());
        command.Subcommands.Add(Cvat());
        return command;
    }

    private static Command Coco()
    {
        var annotations = new Option<FileInfo>("--annotations") { Description = "COCO instances json.", Required = true }.ExistingFile();
        var images = new Option<string>("--images") { Description = "Image folder, or s3://bucket/prefix (read with the Storage:S3 settings).", Required = true };
        images.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (value is not null && !value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && CliInput.Check.Folder(value) is { } problem)
                result.AddError($"--images {value}: {problem} (or give s3://bucket/prefix)");
        });
        var command = new Command("coco", "Import a COCO instances file: one task per image.") { annotations, images, Customer, Project, Domain, Data };
        command.SetAction((parse, ct) => RunAsync(parse, "coco", services =>
            new CocoImporter(parse.GetValue(annotations)!.FullName, ImageSourceFor(parse.GetValue(images)!, services)), ct));
        return command;
    }

    private static Command LabelStudio()
    {
        var export = new Option<FileInfo>("--export") { Description = "Label Studio JSON export (a list of tasks).", Required = true }.ExistingFile();
        var images = new Option<string>("--images") { Description = "Folder (or s3://bucket/prefix) holding the tasks' image files by name.", Required = true };
        var command = new Command("labelstudio", "Import a Label Studio JSON export: polygons, brush masks and rectangles of each task's last annotation.")
            { export, images, Customer, Project, Domain, Data };
        command.SetAction((parse, ct) => RunAsync(parse, "labelstudio", services =>
            new LabelStudioImporter(parse.GetValue(export)!.FullName, ImageSourceFor(parse.GetValue(images)!, services)), ct));
        return command;
    }

    private static Command Cvat()
    {
        var annotations = new Option<FileInfo>("--annotations") { Description = "CVAT for images 1.1 annotations.xml.", Required = true }.ExistingFile();
        var images = new Option<string>("--images") { Description = "Folder (or s3://bucket/prefix) holding the images by the names the XML gives.", Required = true };
        var command = new Command("cvat", "Import a CVAT for images 1.1 XML export: polygons, boxes and masks, one task per image.")
            { annotations, images, Customer, Project, Domain, Data };
        command.SetAction((parse, ct) => RunAsync(parse, "cvat", services =>
            new CvatImporter(parse.GetValue(annotations)!.FullName, ImageSourceFor(parse.GetValue(images)!, services)), ct));
        return command;
    }

    private static Command Voc()
    {
        var root = new Option<DirectoryInfo>("--root") { Description = "VOC folder with JPEGImages/, SegmentationObject/, SegmentationClass/ and class_names.txt.", Required = true }.ExistingFolder();
        var command = new Command("voc", "Import PASCAL VOC segmentation PNGs: one instance per object, class by majority.") { root, Customer, Project, Domain, Data };
        command.SetAction((parse, ct) => RunAsync(parse, "voc", services =>
            new VocImporter(parse.GetValue(root)!.FullName, Decode(services)), ct));
        return command;
    }

    private static Command LabelMap()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Image folder (file stems match the label PNGs).", Required = true }.ExistingFolder();
        var labels = new Option<DirectoryInfo>("--labels") { Description = "Class-id PNGs (grayscale).", Required = true }.ExistingFolder();
        var classes = new Option<FileInfo>("--classes") { Description = "Class list: 'id name' lines, or one name per line.", Required = true }.ExistingFile();
        var instances = new Option<DirectoryInfo?>("--instances") { Description = "Optional instance-id PNGs: each id becomes an instance (else each connected region of a class)." }.ExistingFolder();
        var ignore = new Option<string[]>("--ignore")
        {
            Description = "Classes (id, name or a word of the name) that give no instances.",
            DefaultValueFactory = _ => ["void"],
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("labelmap", "Import label maps (CamVid/Cityscapes style): full-scene, one instance per region.")
            { images, labels, classes, instances, ignore, Customer, Project, Domain, Data };
        command.SetAction((parse, ct) => RunAsync(parse, "label-map", services =>
            new LabelMapImporter(parse.GetValue(images)!.FullName, parse.GetValue(labels)!.FullName, parse.GetValue(classes)!.FullName,
                parse.GetValue(instances)?.FullName, parse.GetValue(ignore)!, Decode(services)), ct));
        return command;
    }

    private static Vision.DecodeOptions Decode(IServiceProvider services) =>
        new() { MaxPixels = services.GetRequiredService<IOptions<IngestOptions>>().Value.MaxImagePixels };

    private static Task<int> RunAsync(ParseResult parse, string format,
        Func<IServiceProvider, IAnnotationImporter> importer, CancellationToken cancellationToken)
    {
        var target = new ImportTarget(parse.GetValue(Customer)!, parse.GetValue(Project)!, parse.GetValue(Domain)!);
        var done = 0;
        var json = parse.IsJson();
        // Bus start, health and publish with an unreachable broker retry without end and do not all honour the token;
        // Termination ends the verb within seconds of a signal whatever they are doing.
        return Termination.RunAsync($"ingest {format}", async termination =>
        {
            var host = termination.Track(BuildHost(parse.GetValue(Data)!.FullName, out var embedded));
            try
            {
                return await RunAsync(host, embedded, format, target, importer, () => Interlocked.Increment(ref done), json, termination.Token);
            }
            finally
            {
                await Termination.StopBoundedAsync(host);
                host.Dispose();
            }
        }, cancellationToken,
        () => $" after {Volatile.Read(ref done)} tasks; the tasks published so far stay, the rest were not sent.");
    }

    private static async Task<int> RunAsync(IHost host, bool embedded, string format, ImportTarget target,
        Func<IServiceProvider, IAnnotationImporter> importer, Action onTask, bool json, CancellationToken cancellationToken)
    {
        await host.StartAsync(cancellationToken);
        var bus = host.Services.GetRequiredService<IBusControl>();
        await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)).WaitAsync(cancellationToken);
        ImportTasks requests;
        try
        {
            // The first pass of a large export (COCO's index of every annotation) runs off the caller's thread.
            var source = importer(host.Services);
            requests = await Task.Run(() => source.Open(target, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidDataException or UnauthorizedAccessException or ArgumentException
                                      or System.Text.Json.JsonException)
        {
            throw new CliInputException($"cannot read the {format} export: {CliInput.Clean(e.Message)}", e);
        }
        if (requests.Count == 0)
        {
            // Nothing silent: an export with no image (a '{}' file, empty lists, an empty folder) is a mistake to name.
            throw new CliInputException($"the {format} export holds no image to ingest (its image list is empty or missing, or no file matched); nothing was ingested.");
        }

        var batch = new IngestBatch(host.Services.GetRequiredService<IngestProcessor>(), bus);
        IngestSummary summary = null!;
        var console = json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"ingest {format}", maxValue: Math.Max(1, requests.Count));
                summary = await batch.RunAsync(requests.Requests, (_, _) =>
                {
                    task.Increment(1);
                    onTask();
                }, cancellationToken);
                task.Value = task.MaxValue;
            });

        if (embedded)
            await host.Services.GetRequiredService<BusTraffic>().WaitUntilIdleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), cancellationToken);
        if (json)
            CliOutput.WriteJson(Json(summary, format, requests.Count));
        else
            Render(summary, requests.Count);
        return summary.Failed.Count > 0 ? 2 : summary.Rejected > 0 ? 1 : 0;
    }

    private static object Json(IngestSummary summary, string format, int total) => new
    {
        format,
        tasks = total,
        accepted = summary.Accepted,
        acceptedInstances = summary.AcceptedInstances,
        rejected = summary.Rejected,
        rejectedByReason = summary.RejectedByReason,
        rejections = summary.Outcomes.Select(o => o.Rejected).Where(r => r is not null)
            .Select(r => new { taskId = r!.TaskId, reasons = r.Reasons.Select(x => new { code = x.Code, detail = x.Detail }) }),
        failed = summary.Failed.Select(f => new { taskId = f.TaskId, error = f.Error }),
    };

    private static void Render(IngestSummary summary, int total)
    {
        var table = new Table().Title($"ingest: {total} tasks").AddColumn("outcome").AddColumn(new TableColumn("tasks").RightAligned()).AddColumn("detail");
        table.AddRow("[green]accepted[/]", summary.Accepted.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{summary.AcceptedInstances} instances");
        table.AddRow("[yellow]rejected[/]", summary.Rejected.ToString(System.Globalization.CultureInfo.InvariantCulture), "");
        foreach (var (code, count) in summary.RejectedByReason)
        {
            var example = summary.Outcomes.Select(o => o.Rejected).Where(r => r is not null)
                .SelectMany(r => r!.Reasons.Where(x => x.Code == code).Select(x => $"{r.TaskId}: {x.Detail}")).First();
            table.AddRow($"  {Markup.Escape(code)}", count.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(example));
        }
        if (summary.Failed.Count > 0)
        {
            table.AddRow("[red]failed[/]", summary.Failed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape($"{summary.Failed[0].TaskId}: {summary.Failed[0].Error}"));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>A folder, or s3://bucket/prefix read through a second S3 store (Storage's <see cref="IBlobStoreFactory"/>).</summary>
    private static IImageSource ImageSourceFor(string images, IServiceProvider services)
    {
        if (!images.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return Directory.Exists(images)
                ? new FolderImageSource(images)
                : throw new DirectoryNotFoundException($"--images {images} is not a folder (or an s3://bucket/prefix).");
        }
        var rest = images["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var (bucket, prefix) = slash < 0 ? (rest, "") : (rest[..slash], rest[(slash + 1)..].Trim('/'));
        if (bucket.Length == 0)
            throw new ArgumentException($"--images {images} names no bucket; use s3://bucket/prefix.");
        var store = services.GetRequiredService<IBlobStoreFactory>().ForS3Bucket(bucket);
        return new BlobImageSource(store, prefix, images);
    }

    private static IHost BuildHost(string dataRoot, out bool embedded) =>
        CliHost.Build(new CliHostSettings("segloop-ingest", dataRoot)
        {
            ObserveTraffic = true,
            // The deployed services consume; this process validates and publishes.
            PublisherServices = (services, configuration) => services.AddIngest(configuration),
        }, out embedded);
}
