using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Importers;
using SegLoop.Interop;
using SegLoop.Interop.Coco;
using SegLoop.Interop.Cvat;
using SegLoop.Interop.LabelStudio;
using SegLoop.Interop.Yolo;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop export coco|yolo|labelstudio|cvat</c>: one customer's project, as ingested (or normalized with
/// <c>--taxonomy-version</c>), written in the format an annotation tool or a training job reads. Masks stay exact
/// (COCO RLE, Label Studio brush RLE, CVAT mask RLE); YOLO-seg traces them to polygons.
/// </summary>
public static class ExportCommand
{
    private static readonly Option<string> Customer = new("--customer") { Description = "Customer the data belongs to.", Required = true };
    private static readonly Option<string> Project = new("--project") { Description = "Project within the customer.", Required = true };
    private static readonly Option<string?> TaxonomyVersion = new("--taxonomy-version") { Description = "Export the normalized documents of this taxonomy version (common class names) instead of the ingested ones." };
    private static readonly Option<DirectoryInfo> Data = CliOptions.Data();

    public static Command Create()
    {
        var command = new Command("export", "Write a project's annotations for annotation tools and training jobs.");
        command.Subcommands.Add(Verb("coco", "A full COCO instances json (images, categories, annotations with area, bbox, iscrowd): CVAT, FiftyOne, pycocotools.",
            "Output json file.", (images, output, _) => WriteFile(output, s => CocoInstancesWriter.Write(s, images))));
        command.Subcommands.Add(Verb("yolo", "YOLO segmentation labels (labels/*.txt and data.yaml) for Ultralytics training.",
            "Output folder.", (images, output, _) => YoloSegWriter.Write(output, images)));
        command.Subcommands.Add(Verb("cvat", "CVAT for images 1.1 XML (polygons and masks) to upload into a CVAT task.",
            "Output xml file.", (images, output, _) => WriteFile(output, s => CvatXml.Write(s, images))));
        var imageUrl = new Option<string>("--image-url")
        {
            Description = "Prefix of the image URLs in the tasks, e.g. /data/local-files/?d=images/ or s3://bucket/images/acme/street/ (the file name is appended).",
            DefaultValueFactory = _ => "/data/local-files/?d=",
        };
        var predictions = new Option<bool>("--predictions") { Description = "Write the regions as predictions (pre-annotations) instead of annotations." };
        var labelStudio = Verb("labelstudio", "Label Studio tasks json (polygonlabels, brushlabels) and its labeling config (.xml beside it).",
            "Output json file.", (images, output, parse) =>
            {
                var names = new LsNames();
                var prefix = parse.GetValue(imageUrl)!;
                var tasks = LabelStudioRegions.ToTasks(images, i => prefix + i.FileName, names, parse.GetValue(predictions), "segloop");
                WriteFile(output, s => System.Text.Json.JsonSerializer.Serialize(s, tasks, LsJson.Options));
                File.WriteAllText(Path.ChangeExtension(output, ".xml"), LabelStudioRegions.LabelConfig(images.SelectMany(i => i.Objects).Select(o => o.ClassName).Order(StringComparer.Ordinal), names));
            });
        labelStudio.Options.Add(imageUrl);
        labelStudio.Options.Add(predictions);
        command.Subcommands.Add(labelStudio);
        return command;
    }

    private static Command Verb(string name, string description, string outDescription, Action<IReadOnlyList<InteropImage>, string, ParseResult> write)
    {
        var output = new Option<string>("--out") { Description = outDescription, Required = true };
        var command = new Command(name, description) { Customer, Project, TaxonomyVersion, Data, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var host = BuildHost(parse.GetValue(Data)!);
            var store = host.Services.GetRequiredService<IBlobStore>();
            var images = new List<InteropImage>();
            await foreach (var image in StoredAnnotations.ReadAsync(store, parse.GetValue(Customer)!, parse.GetValue(Project)!, parse.GetValue(TaxonomyVersion), cancellationToken))
                images.Add(image);
            if (images.Count == 0)
            {
                await Console.Error.WriteLineAsync($"segloop export {name}: no annotations for customer '{parse.GetValue(Customer)}', project '{parse.GetValue(Project)}'.");
                return 1;
            }
            var path = parse.GetValue(output)!;
            write(images, path, parse);
            Console.WriteLine($"{images.Count} images, {images.Sum(i => i.Objects.Count)} objects -> {Path.GetFullPath(path)}");
            return 0;
        });
        return command;
    }

    private static void WriteFile(string path, Action<Stream> write)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
            Directory.CreateDirectory(folder);
        using var stream = File.Create(path);
        write(stream);
    }

    private static IHost BuildHost(DirectoryInfo data) => LocalStoreHost.CreateBuilder(data).Build();
}
