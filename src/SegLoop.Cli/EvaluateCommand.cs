using System.CommandLine;
using System.Globalization;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Evaluation;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop evaluate</c>: IoU, DAVIS boundary P/R/F and Boundary IoU per instance, aggregated per domain and class;
/// optional simulated corrective clicks, a regression gate against a baseline run, and an HTML report.
/// Exit codes: 0 done (gate passed), 1 the gate found a regression, 2 bad input.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var predictions = new Option<FileInfo?>("--predictions")
        {
            Description = "COCO-results json (image_id, category_id, segmentation RLE, score, optional annotation_id / prompt). "
                + "Leave out to let --segmenter make the predictions from ground-truth boxes.",
        }.ExistingFile();
        var groundTruth = new Option<string>("--ground-truth")
        {
            Description = "COCO instances json, a folder with images/NAME.jpg and masks/NAME.png (ECSSD style), or dataset:SPLIT[:MANIFEST_KEY] "
                + "(a split of the newest dataset manifest in --data, or of the one named: its crops, prompted with each object's box).",
            Required = true,
        };
        groundTruth.Validators.Add(result =>
        {
            var path = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (path is not null && DatasetSplit.TryParse(path, out var split, out _))
            {
                if (split is not (DatasetAssembler.Train or DatasetAssembler.Val or DatasetAssembler.Test))
                    result.AddError($"--ground-truth {path}: the split must be {DatasetAssembler.Train}, {DatasetAssembler.Val} or {DatasetAssembler.Test}.");
            }
            else if (path is not null && !File.Exists(path) && !Directory.Exists(path))
                result.AddError($"--ground-truth {path}: no such file or folder.");
        });
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder the COCO file_names are relative to (default: the json's folder)." }.ExistingFolder();
        var domainOf = new Option<string>("--domain-of")
        {
            Description = "dataset (one domain named after the ground truth), folder (first folder of file_name), or a json file mapping image id / file_name to domain.",
            DefaultValueFactory = _ => "dataset",
        };
        var tolerancePx = new Option<int?>("--tolerance-px") { Description = "Boundary matching radius in pixels." }.AtLeast(0);
        var toleranceFrac = new Option<double?>("--tolerance-frac") { Description = "Boundary matching radius as a fraction of the image diagonal (DAVIS default 0.008)." }.Within(0, 1);
        var bandPx = new Option<int?>("--biou-px") { Description = "Boundary IoU band width in pixels." }.AtLeast(1);
        var bandFrac = new Option<double?>("--biou-frac") { Description = "Boundary IoU band as a fraction of the diagonal (default 0.02)." }.Within(0, 1);
        var baseline = new Option<FileInfo?>("--baseline") { Description = "Metrics json of an earlier run: fail when any domain x class stratum drops by more than --max-drop." }.ExistingFile();
        var maxDrop = new Option<double>("--max-drop") { Description = "Largest allowed absolute drop of a stratum's mean IoU, boundary F or Boundary IoU.", DefaultValueFactory = _ => 0.02 }.Within(0, 1);
        var clicks = new Option<int>("--clicks") { Description = "Corrective clicks to simulate per instance (needs --segmenter); 0..100.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        clicks.Validators.Add(result =>
        {
            if (CliInput.TryValue<int>(result, out var n) && n > 100)
                result.AddError($"--clicks {n} must be at most 100.");
        });
        var segmenter = new Option<string?>("--segmenter")
        {
            Description = "grabcut, box (the filled prompt box, a baseline), onnx:PATH/TO/model.onnx (U2-Net convention, rembg preprocessing), or a registered model: NAME (its promoted version) or NAME@VERSION.",
        };
        segmenter.Validators.Add(result =>
        {
            var spec = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (spec is not null && spec.StartsWith("onnx:", StringComparison.Ordinal) && CliInput.Check.File(spec["onnx:".Length..]) is { } problem)
                result.AddError($"--segmenter {spec}: model file {problem}");
        });
        var data = CliOptions.Data();
        var threshold = new Option<double>("--threshold") { Description = "Probability threshold for the segmenter.", DefaultValueFactory = _ => 0.5 }.Within(0, 1);
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N ground-truth instances (N at least 1)." }.AtLeast(1);
        var output = new Option<FileInfo?>("--output")
        {
            Description = $"Where to write the metrics json (summary + instances; usable as a later --baseline); default {DefaultOutput}.",
        }.OutputFile();
        var report = new Option<FileInfo?>("--report") { Description = "Write an HTML report (tables, IoU-vs-clicks curve, NoC, the worst cases cropped to the object) here." }.OutputFile();
        var worst = new Option<int>("--worst") { Description = "Worst instances shown in the report.", DefaultValueFactory = _ => 8 }.AtLeast(0);

        var command = new Command("evaluate", "Score masks against ground truth per domain and class; simulate clicks; gate against a baseline.")
        {
            predictions, groundTruth, images, domainOf, tolerancePx, toleranceFrac, bandPx, bandFrac, baseline, maxDrop,
            clicks, segmenter, threshold, limit, output, report, worst, data,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var metrics = new MetricSettings
            {
                Tolerance = Tolerance(parse.GetValue(tolerancePx), parse.GetValue(toleranceFrac)),
                Band = Band(parse.GetValue(bandPx), parse.GetValue(bandFrac)),
            };
            var outputPath = parse.GetValue(output)?.FullName;
            if (outputPath is null)
            {
                // The default lives in an output folder .gitignore covers, never the current folder (the repo root in the tour).
                outputPath = Path.GetFullPath(DefaultOutput);
                Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
            }
            return await RunAsync(new Arguments(
                parse.GetValue(predictions)?.FullName, parse.GetValue(groundTruth)!, parse.GetValue(images)?.FullName,
                DomainAssignment.Parse(parse.GetValue(domainOf)), metrics, parse.GetValue(baseline)?.FullName, parse.GetValue(maxDrop),
                parse.GetValue(clicks), parse.GetValue(segmenter), parse.GetValue(threshold), parse.GetValue(limit),
                outputPath, parse.GetValue(report)?.FullName, parse.GetValue(worst), parse.GetValue(data)!.FullName) { Json = parse.IsJson() },
                Console.Out, cancellationToken);
        });
        return command;
    }

    /// <summary>Everything one run needs, as parsed from the command line.</summary>
    public sealed record Arguments(
        string? Predictions, string GroundTruth, string? Images, DomainAssignment Domains, MetricSettings Metrics, string? Baseline,
        double MaxDrop, int Clicks, string? Segmenter, double Threshold, int? Limit, string Output, string? Report, int Worst,
        string? DataRoot = null)
    {
        /// <summary>Print the summary as JSON instead of the table.</summary>
        public bool Json { get; init; }
    }

    /// <summary>Where the metrics json goes when --output is not given (segloop-out/ is in .gitignore).</summary>
    public const string DefaultOutput = "segloop-out/evaluate/evaluation.json";

    public static async Task<int> RunAsync(Arguments args, TextWriter stdout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        if (args.Clicks is < 0 or > 100)
            throw new EvaluationInputException($"--clicks must be within 0..100, got {args.Clicks}.");
        if (args.Predictions is null && args.Segmenter is null)
            throw new EvaluationInputException("give --predictions, or --segmenter to make predictions from the ground-truth boxes.");
        if (args.Clicks > 0 && args.Segmenter is null)
            throw new EvaluationInputException("--clicks needs --segmenter to re-run with the clicks.");
        if (args.Limit is < 1)
            throw new EvaluationInputException($"--limit {args.Limit} must be at least 1.");
        foreach (var (name, path) in new[] { ("--output", args.Output), ("--report", args.Report) })
        {
            if (path is not null && CliInput.Check.Output(path) is { } problem)
                throw new EvaluationInputException($"{name} {path}: {problem}");
        }
        foreach (var path in new[] { args.Output, args.Report })
        {
            if (path is not null)
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        // The baseline is read before the evaluation: a bad file is an error now, not after an hour of work.
        var before = args.Baseline is null ? null : await EvaluationResult.ReadAsync(args.Baseline, cancellationToken);

        // The segmenter is resolved first: a misspelt model name is an error before the ground truth is read.
        var (backend, model) = await CreateSegmenterAsync(args.Segmenter, args.DataRoot, cancellationToken);
        try
        {
            return await RunAsync(args, backend, before, stdout, cancellationToken);
        }
        finally
        {
            model?.Dispose();
        }
    }

    private static async Task<int> RunAsync(Arguments args, ISegmenter? backend, EvaluationResult? before, TextWriter stdout, CancellationToken cancellationToken)
    {
        var truth = DatasetSplit.TryParse(args.GroundTruth, out var split, out var manifest)
            ? await DatasetSplit.LoadAsync(split, manifest, args.DataRoot, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(args.Output))!, "crops"), cancellationToken)
            : await GroundTruthLoader.LoadAsync(args.GroundTruth, args.Images, args.Domains, cancellationToken);
        if (truth.Instances.Count == 0)
            throw new EvaluationInputException($"--ground-truth {args.GroundTruth} holds no instance to evaluate (no annotation, or no image with a mask).");
        if (args.Limit is { } limit)
        {
            var kept = truth.Instances.Take(Math.Max(0, limit)).ToList();
            var ids = kept.Select(i => i.ImageId).ToHashSet();
            truth = truth with { Instances = kept, Images = truth.Images.Where(kv => ids.Contains(kv.Key)).ToDictionary() };
        }
        IReadOnlyList<MatchedInstance>? matches = null;
        var unmatched = 0;
        if (args.Predictions is not null)
        {
            var loaded = await PredictionLoader.LoadAsync(args.Predictions, truth, cancellationToken);
            (matches, unmatched) = PredictionLoader.Match(truth, loaded);
        }

        {
            var total = truth.Instances.Count;
            var progress = new Progress<int>(n =>
            {
                if (n % 10 == 0 || n == total)
                    Console.Error.WriteLine($"evaluated {n}/{total}");
            });
            var instances = await Evaluator.RunAsync(truth, matches, backend,
                new EvaluationOptions { Metrics = args.Metrics, Clicks = args.Clicks, Threshold = args.Threshold }, progress, cancellationToken);
            var header = new EvaluationSummary
            {
                GroundTruth = args.GroundTruth,
                Predictions = args.Predictions,
                Segmenter = backend is null ? null : $"{backend.Model} ({backend.Version})",
                Tolerance = args.Metrics.Tolerance.ToString(),
                Band = args.Metrics.Band.ToString(),
                Clicks = args.Clicks,
                UnmatchedPredictions = unmatched,
                Overall = MetricsAggregator.Stratum(MetricsAggregator.All, MetricsAggregator.All, []),
                Domains = [],
                Strata = [],
            };
            var result = new EvaluationResult { Summary = MetricsAggregator.Summarize(instances, header), Instances = instances };
            await result.WriteAsync(args.Output, cancellationToken);
            if (args.Report is not null)
                await File.WriteAllTextAsync(args.Report, HtmlReport.Render(result, truth, args.Worst), cancellationToken);
            var regressions = before is null ? [] : RegressionGate.Compare(before.Summary, result.Summary, args.MaxDrop);
            if (args.Json)
            {
                CliOutput.WriteJson(new
                {
                    metrics = args.Output, report = args.Report, summary = result.Summary,
                    gate = before is null ? null : new { baseline = args.Baseline, maxDrop = args.MaxDrop, passed = regressions.Count == 0, regressions = regressions.Select(r => r.ToString()) },
                }, stdout);
                return regressions.Count == 0 ? 0 : 1;
            }
            Print(result.Summary, stdout);
            await stdout.WriteLineAsync($"metrics: {args.Output}");
            if (args.Report is not null)
                await stdout.WriteLineAsync($"report: {args.Report}");

            if (before is null)
                return 0;
            if (regressions.Count == 0)
            {
                await stdout.WriteLineAsync(FormattableString.Invariant($"gate: passed (no stratum dropped by more than {args.MaxDrop} against {args.Baseline})"));
                return 0;
            }
            await stdout.WriteLineAsync(FormattableString.Invariant($"gate: FAILED, {regressions.Count} regression(s) beyond {args.MaxDrop} against {args.Baseline}:"));
            foreach (var r in regressions)
                await stdout.WriteLineAsync($"  {r}");
            return 1;
        }
    }

    private static async Task<(ISegmenter? Segmenter, IDisposable? Model)> CreateSegmenterAsync(string? spec, string? dataRoot,
        CancellationToken cancellationToken)
    {
        if (spec is null)
            return (null, null);
        try
        {
            var resolved = await SegmenterSpec.ResolveAsync(spec, dataRoot, inputSize: null, cancellationToken);
            return (resolved.Segmenter, resolved);
        }
        catch (SegmenterSpecException e)
        {
            throw new EvaluationInputException(e.Message, e);
        }
    }

    private static BoundaryTolerance Tolerance(int? px, double? fraction) => (px, fraction) switch
    {
        (not null, not null) => throw new EvaluationInputException("give --tolerance-px or --tolerance-frac, not both."),
        (int p, null) => BoundaryTolerance.Pixels(p),
        (null, double f) => BoundaryTolerance.DiagonalFraction(f),
        _ => BoundaryTolerance.Default,
    };

    private static BoundaryBand Band(int? px, double? fraction) => (px, fraction) switch
    {
        (not null, not null) => throw new EvaluationInputException("give --biou-px or --biou-frac, not both."),
        (int p, null) => BoundaryBand.Pixels(p),
        (null, double f) => BoundaryBand.DiagonalFraction(f),
        _ => BoundaryBand.Default,
    };

    private static void Print(EvaluationSummary summary, TextWriter stdout)
    {
        stdout.WriteLine(FormattableString.Invariant($"{"domain",-16} {"class",-16} {"n",5} {"clicks",6} {"IoU",7} {"bndF",7} {"bndP",7} {"bndR",7} {"BIoU",7} {"empty",6}"));
        foreach (var row in summary.Strata.Prepend(summary.Overall).Concat(summary.Sizes))
        {
            var name = summary.Sizes.Contains(row) ? $"size:{row.Category}" : row.Category;
            if (row.FilledBox is { } box)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Domain,-16} {name,-16} {row.Instances,5} {"box",6} {box.Iou,7:0.0000} {box.BoundaryF,7:0.0000} {box.BoundaryPrecision,7:0.0000} {box.BoundaryRecall,7:0.0000} {box.BoundaryIou,7:0.0000} {"-",6}"));
            foreach (var s in row.Steps)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Domain,-16} {name,-16} {row.Instances,5} {s.Clicks,6} {s.Iou,7:0.0000} {s.BoundaryF,7:0.0000} {s.BoundaryPrecision,7:0.0000} {s.BoundaryRecall,7:0.0000} {s.BoundaryIou,7:0.0000} {s.Empty,6}"));
            }
        }
        stdout.WriteLine("clicks 'box': the filled prompt box, the floor every segmenter must beat; 'empty': predictions with no pixel (IoU 0).");
        foreach (var noc in summary.Overall.Noc)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"NoC@{noc.Threshold * 100:0}: {noc.Mean:0.00} clicks (mean to reach IoU {noc.Threshold:0.00}, capped at {noc.MaxClicks}; reached by {noc.Reached}/{noc.Instances})"));
        }
    }
}
