using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.Training;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop train refiner</c>: the nightly job. Reads the newest dataset manifest, trains a refiner on its train
/// split, registers it, evaluates it and the served model on the test split, and promotes it (publishing
/// ModelPromoted on the configured bus) only when the regression gate passes. Exit codes: 0 promoted (or gate passed
/// with --no-promote), 1 the gate refused it (the reason is printed and kept in models/{name}/{version}/training.json),
/// 2 bad input.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = CliOptions.Data();
        var manifest = new Option<string?>("--manifest") { Description = "Dataset manifest key (default: the newest under --datasets)." };
        var datasets = new Option<string>("--datasets") { Description = "Key prefix of the dataset manifests.", DefaultValueFactory = _ => "datasets" };
        var name = new Option<string>("--name") { Description = "Registry name of the refiner.", DefaultValueFactory = _ => "refiner" };
        var baseModel = new Option<string>("--base")
        {
            Description = "Base model: auto (the promoted IS-Net, else GrabCut), grabcut, NAME or NAME@VERSION.",
            DefaultValueFactory = _ => "auto",
        };
        var baseSize = new Option<int>("--base-size") { Description = "The base network's input side (0: its registered size).", DefaultValueFactory = _ => 320 }.AtLeast(0);
        var working = new Option<int>("--working-size") { Description = "Long side of the refiner's working frame, pixels.", DefaultValueFactory = _ => 192 }.AtLeast(16);
        var seed = new Option<int>("--seed") { Description = "Seed of sampling, simulated clicks and LightGBM.", DefaultValueFactory = _ => 19 }.AtLeast(0);
        var budget = new Option<int>("--pixels") { Description = "Pixels sampled over the train split.", DefaultValueFactory = _ => 240_000 }.AtLeast(1);
        var fraction = new Option<double>("--fraction") { Description = "Fraction of the train split's crops used (0.1: a deliberately weaker refiner).", DefaultValueFactory = _ => 1.0 }.Within(0.001, 1);
        var trees = new Option<int>("--trees") { Description = "LightGBM boosting rounds.", DefaultValueFactory = _ => 300 }.AtLeast(1);
        var maxDrop = new Option<double>("--max-drop") { Description = "Gate: largest allowed drop of any test stratum's mean IoU, boundary F or Boundary IoU.", DefaultValueFactory = _ => 0.02 }.Within(0, 1);
        var minInstances = new Option<int>("--gate-min-instances") { Description = "Gate: classes with fewer test instances in a domain are judged together.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var clicks = new Option<int>("--gate-clicks") { Description = "Gate: simulated clicks per test instance.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var work = new Option<DirectoryInfo>("--work")
        {
            Description = "Local folder of the per-crop feature cache (a rerun resumes from it) and the test crops.",
            DefaultValueFactory = _ => new DirectoryInfo(".segloop-train"),
        }.DataFolder();
        var noPromote = new Option<bool>("--no-promote") { Description = "Register and report only, even when the gate passes." };
        var refiner = new Command("refiner", "Train the refiner from the newest dataset, gate it per domain x class against the served model, promote it if it passes.")
        {
            data, manifest, datasets, name, baseModel, baseSize, working, seed, budget, fraction, trees, maxDrop, minInstances, clicks, work, noPromote,
        };
        refiner.SetAction((parse, ct) => RunAsync(parse.GetValue(data)!, new RefinerTrainingOptions
        {
            Manifest = parse.GetValue(manifest),
            DatasetPrefix = parse.GetValue(datasets)!,
            ModelName = parse.GetValue(name)!,
            Base = parse.GetValue(baseModel)!,
            BaseInputSize = parse.GetValue(baseSize) is > 0 and var side ? side : null,
            WorkingSize = parse.GetValue(working),
            Seed = parse.GetValue(seed),
            PixelBudget = parse.GetValue(budget),
            TrainFraction = parse.GetValue(fraction),
            Trees = parse.GetValue(trees),
            MaxDrop = parse.GetValue(maxDrop),
            GateMinInstances = parse.GetValue(minInstances),
            GateClicks = parse.GetValue(clicks),
            WorkDirectory = parse.GetValue(work)!.FullName,
            Promote = !parse.GetValue(noPromote),
        }, parse.IsJson(), ct));
        return new Command("train", "Train SegLoop's own models from its crops.") { refiner };
    }

    /// <param name="json">Print the report as one JSON document on stdout; the progress bars go to stderr.</param>
    public static async Task<int> RunAsync(DirectoryInfo data, RefinerTrainingOptions options, bool json, CancellationToken cancellationToken)
    {
        if (!ModelRegistry.IsValidName(options.ModelName) || options.TrainFraction is not (> 0 and <= 1) || options.PixelBudget < 1000 || options.Trees < 1)
        {
            await Console.Error.WriteLineAsync("segloop train refiner: --name must be a model name, --fraction in (0, 1], --pixels at least 1000, --trees at least 1.");
            return 2;
        }
        // SIGTERM (a CronJob's deadline) or Ctrl-C stops between crops; the feature cache keeps what was done.
        using var termination = new Termination(cancellationToken);
        cancellationToken = termination.Token;
        using var host = CliHost.Build(new CliHostSettings("segloop-train", data.FullName) { EmbedServices = false }, out var embedded);
        await host.StartAsync(cancellationToken);
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            var store = host.Services.GetRequiredService<IBlobStore>();
            var job = new RefinerJob(store, new ModelRegistry(store, TimeProvider.System), TimeProvider.System);
            var clock = Stopwatch.StartNew();
            RefinerTrainingReport report;
            try
            {
                var console = json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
                report = await console.Progress().AutoClear(false).HideCompleted(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                        var progress = new SyncProgress(p =>
                        {
                            if (!tasks.TryGetValue(p.Stage, out var task))
                                tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                            task.Value = p.Done;
                        });
                        return await job.RunAsync(options, async (message, ct) =>
                        {
                            await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
                            await bus.Publish(message, ct);
                        }, progress, cancellationToken);
                    });
            }
            catch (Exception e) when (e is TrainingInputException or ModelRegistryException or InvalidBlobKeyException)
            {
                await Console.Error.WriteLineAsync($"segloop train refiner: {e.Message}");
                return 2;
            }
            catch (OperationCanceledException) when (termination.Token.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"segloop train refiner: stopped by {termination.SignalName}; a rerun resumes from the feature cache in {options.WorkDirectory}.");
                return termination.ExitCode;
            }
            var peakMiB = Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20);
            if (json)
            {
                CliOutput.WriteJson(new { report, reportKey = RefinerJob.ReportKey(report.Model, report.Version), totalSeconds = clock.Elapsed.TotalSeconds, peakMemoryMiB = peakMiB });
                return report.GatePassed ? 0 : 1;
            }
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"{report.Model} {report.Version}: {report.TrainCrops} train crops, {report.TrainPixels} pixels, base {report.Settings.BaseModel}, from {report.Manifest}"));
            Console.WriteLine(string.Create(inv, $"training {report.TrainSeconds:0.0} s, evaluation {report.EvaluationSeconds:0.0} s, total {clock.Elapsed.TotalSeconds:0.0} s, peak memory {peakMiB} MiB"));
            Console.WriteLine(string.Create(inv, $"test split ({report.TestCrops} crops), mean IoU: candidate {report.Candidate.Overall.Steps[0].Iou:0.0000}, baseline {report.Baseline} {report.BaselineSummary.Overall.Steps[0].Iou:0.0000}"));
            foreach (var regression in report.Regressions)
                Console.WriteLine($"  {regression}");
            Console.WriteLine($"gate: {report.Decision}");
            if (report.Promoted && embedded)
                Console.WriteLine("published ModelPromoted on the in-memory bus of this process; set Bus__Transport=RabbitMq to tell running Inference workers.");
            Console.WriteLine($"report: {RefinerJob.ReportKey(report.Model, report.Version)}");
            return report.GatePassed ? 0 : 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
