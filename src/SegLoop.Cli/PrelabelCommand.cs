using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Cli.Prelabel;
using SegLoop.Storage;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop prelabel</c>: masks for every box of a COCO file (or a folder plus a boxes file) through Inference,
/// collected into one COCO-results file. Resumable: a progress file beside the output records each finished image
/// and a rerun skips them. Exit codes: 0 every image done, 1 some failed or remain, 2 bad input or a storage/bus fault.
/// </summary>
public static class PrelabelCommand
{
    public const int Incomplete = 1;
    public const int BadInput = 2;

    /// <summary>Everything one run needs, as parsed from the command line.</summary>
    public sealed record Arguments(string? Coco, string? Boxes, string Images, string Output, string DataRoot, PrelabelSettings Settings)
    {
        /// <summary>Print the summary as JSON on stdout (progress goes to stderr).</summary>
        public bool Json { get; init; }
    }

    public static Command Create()
    {
        var coco = new Option<FileInfo?>("--coco") { Description = "COCO instances json: every annotation's bbox is a prompt (result annotation_id = that annotation's id)." }.ExistingFile();
        var boxes = new Option<FileInfo?>("--boxes") { Description = PrelabelInput.BoxesFormat }.ExistingFile();
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder the COCO file_names / boxes-file image names are relative to.", Required = true }.ExistingFolder();
        var model = new Option<string?>("--model") { Description = "Registered model name; default: Inference:DefaultModel, else isnet when it has a promoted version, else grabcut." };
        var threshold = new Option<double>("--threshold") { Description = "Probability threshold in [0, 1].", DefaultValueFactory = _ => 0.5 }.Within(0, 1);
        var output = new Option<FileInfo>("--out")
        {
            Description = "COCO-results file to write; beside it OUT.progress.jsonl (resume state) and OUT-without-.json.failures.json.",
            DefaultValueFactory = _ => new FileInfo("results.json"),
        }.OutputFile();
        var parallel = new Option<int>("--parallel") { Description = "Images in flight at once.", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var timeout = CliInput.Duration("--timeout", "Longest wait for one image's answer.", TimeSpan.FromMinutes(5));
        var maxImages = new Option<int?>("--max-images") { Description = "Do at most N images not done yet, then stop; rerun for the rest." }.AtLeast(0);
        var data = CliOptions.Data();
        var command = new Command("prelabel",
            "Pre-label a dataset: publish one PreAnnotationRequested per image with its boxes, collect the masks into one COCO-results file. "
            + "With the default in-memory bus Inference runs in this process; with Bus__Transport=RabbitMq (and Storage__Kind=S3) the deployed workers answer. "
            + "Rerunning with the same --out skips images already done. " + PrelabelInput.BoxesFormat)
            { coco, boxes, images, model, threshold, output, parallel, timeout, maxImages, data };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(coco) is null) == (result.GetValue(boxes) is null))
                result.AddError("give exactly one of --coco FILE or --boxes FILE.");
        });
        // A signal ends the verb within seconds whatever the bus is doing (an unreachable broker is retried without end);
        // the images finished so far are in the progress file, and a rerun goes on from there.
        command.SetAction((parse, cancellationToken) => Termination.RunAsync("prelabel", async termination =>
        {
            var args = new Arguments(parse.GetValue(coco)?.FullName, parse.GetValue(boxes)?.FullName, parse.GetValue(images)!.FullName,
                parse.GetValue(output)!.FullName, parse.GetValue(data)!.FullName, new PrelabelSettings
                {
                    Model = parse.GetValue(model),
                    Threshold = parse.GetValue(threshold),
                    Parallel = parse.GetValue(parallel),
                    Timeout = parse.GetValue(timeout),
                    MaxImages = parse.GetValue(maxImages),
                });
            var summary = await RunAsync(args with { Json = parse.IsJson() }, termination.Token, termination.Track);
            return summary.Failures.Count > 0 || summary.Remaining > 0 ? Incomplete : 0;
        }, cancellationToken, () => "; the images done so far are kept in the progress file, rerun the same command to go on."));
        return command;
    }

    /// <param name="track">Called with the host once it is built (the verb's <see cref="Termination"/> stops it after a signal).</param>
    public static async Task<PrelabelSummary> RunAsync(Arguments args, CancellationToken cancellationToken, Func<IHost, IHost>? track = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Settings.Threshold is < 0 or > 1)
            throw new PrelabelInputException($"--threshold {args.Settings.Threshold} must be within [0, 1].");
        if (args.Settings.Parallel < 1 || args.Settings.MaxImages < 0 || args.Settings.Timeout <= TimeSpan.Zero)
            throw new PrelabelInputException("--parallel must be at least 1, --max-images at least 0 and --timeout positive.");
        if (!Directory.Exists(args.Images))
            throw new PrelabelInputException($"--images {args.Images} is not a folder.");
        var source = args.Coco ?? args.Boxes!;
        if (!File.Exists(source))
            throw new PrelabelInputException($"{(args.Coco is null ? "--boxes" : "--coco")} {source} does not exist.");
        var items = args.Coco is not null
            ? await PrelabelInput.FromCocoAsync(args.Coco, args.Images, cancellationToken)
            : await PrelabelInput.FromBoxesFileAsync(args.Boxes!, args.Images, cancellationToken);
        if (items.Count == 0)
            throw new PrelabelInputException($"{source} has no image with a box to pre-label.");

        await CheckModelAsync(args, cancellationToken);

        var salt = PrelabelRunner.Salt(source, args.Settings.Model, args.Settings.Threshold);
        using var state = PrelabelState.Open(PrelabelState.PathFor(args.Output),
            new ProgressHeader(salt, source, args.Settings.Model, args.Settings.Threshold));
        using var host = CliHost.Build(new CliHostSettings("segloop-prelabel", args.DataRoot), out var embedded);
        track?.Invoke(host);
        await host.StartAsync(cancellationToken);
        PrelabelSummary summary = null!;
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)).WaitAsync(cancellationToken);
            var runner = new PrelabelRunner(host.Services.GetRequiredService<IBlobStore>(), bus, TimeProvider.System);
            var console = args.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            console.MarkupLine(Markup.Escape(
                $"prelabel: {items.Count} images, {items.Sum(i => i.Prompts.Count)} boxes from {source}; model {args.Settings.Model ?? "default"}; "
                + $"{(embedded ? "Inference runs in this process (in-memory bus)" : "answered by the deployed Inference workers over RabbitMQ")}"));
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("prelabel", maxValue: items.Count);
                    summary = await runner.RunAsync(items, args.Settings, salt, state, (_, _) => task.Increment(1), cancellationToken);
                    task.Value = task.MaxValue;
                });
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        // One results file from everything done so far (this run and earlier ones), in input order.
        var done = state.Done;
        var results = summary.RequestIds.SelectMany(id => id is not null && done.TryGetValue(id, out var entry) ? entry.Results : []).ToList();
        await WriteJsonAsync(args.Output, results, cancellationToken);
        var failuresPath = FailuresPath(args.Output);
        await WriteJsonAsync(failuresPath, summary.Failures, cancellationToken);
        if (args.Json)
        {
            CliOutput.WriteJson(new
            {
                images = summary.Images, skipped = summary.Skipped, published = summary.Published, completed = summary.Completed,
                remaining = summary.Remaining, results = args.Output, masks = results.Count, failuresFile = failuresPath, failures = summary.Failures,
            });
        }
        else
        {
            Render(summary, results.Count, args.Output, failuresPath);
        }
        return summary;
    }

    /// <summary>
    /// A model named with --model must be served before any image is published: every image used to be sent and then
    /// fail with unknown-model. Checked in the store this process uses (the embedded one, or Storage__Kind=S3's).
    /// </summary>
    private static async Task CheckModelAsync(Arguments args, CancellationToken cancellationToken)
    {
        var model = args.Settings.Model;
        if (model is null || model == "grabcut")
            return;
        using var services = CliConfiguration.StorageServices(CliConfiguration.Build(args.DataRoot));
        if (await ModelsCommand.Registry(services).GetPromotedAsync(model, cancellationToken) is null)
        {
            throw new PrelabelInputException(
                $"--model '{model}' has no promoted version in the registry ({(Environment.GetEnvironmentVariable("Storage__Kind") is { Length: > 0 } kind ? $"Storage__Kind={kind}" : $"--data {args.DataRoot}")}); " +
                "'segloop models list' shows what is registered, 'grabcut' is built in.");
        }
    }

    // A file for tools, not HTML: RLE counts are written as they are ('`' and '<' unescaped), as pycocotools writes them.
    private static readonly JsonSerializerOptions FileJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string FailuresPath(string output) =>
        (output.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? output[..^5] : output) + ".failures.json";

    private static async Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await using (var file = File.Create(temp))
            await JsonSerializer.SerializeAsync(file, value, FileJson, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    private static void Render(PrelabelSummary s, int results, string output, string failuresPath)
    {
        static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        var table = new Table().Title($"prelabel: {s.Images} images").AddColumn("").AddColumn(new TableColumn("images").RightAligned()).AddColumn("detail");
        table.AddRow("done earlier (skipped)", N(s.Skipped), "");
        table.AddRow("published", N(s.Published), "");
        table.AddRow("[green]completed[/]", N(s.Completed), "");
        table.AddRow(s.Failures.Count > 0 ? "[red]failed[/]" : "failed", N(s.Failures.Count),
            s.Failures.Count > 0 ? Markup.Escape($"{s.Failures[0].FileName}: {s.Failures[0].Code}: {s.Failures[0].Reason}") : "");
        if (s.Remaining > 0)
            table.AddRow("[yellow]remaining[/]", N(s.Remaining), "rerun the same command to continue");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"results: {output} ({results} masks); failures: {failuresPath}");
    }
}
