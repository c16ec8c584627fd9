using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SegLoop.ActiveLearning;
using SegLoop.Cli.Rank;
using SegLoop.Storage;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop rank</c>: which images (or boxes) to label next, by the model's uncertainty under D perturbed passes, and
/// the most uncertain superpixels. Writes ranking.csv, superpixels.json and report.html to --out and to storage
/// (rankings/{run id}/). Resumable through --out/rank-state.jsonl. With --ground-truth it also says whether the ranking
/// means something (rank correlation with the model's error, error share of the most uncertain superpixels).
/// Exit codes: 0 every item ranked, 1 some could not be (the rest were), 2 bad input.
/// </summary>
public static class RankCommand
{
    public const int Incomplete = 1;
    public const int BadInput = 2;
    public const int MaxPasses = RankingService.MaxPasses;

    public sealed record Arguments(string? Images, string? Coco, string? GroundTruth, bool Boxes, string? Segmenter, int? InputSize, int Passes,
        int TopSuperpixels, int? Limit, string Output, string? RunId, string DataRoot, bool Json, int ReportItems = RankingOutputs.DefaultReportItems);

    public static Command Create()
    {
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of images to rank whole; with --coco or --ground-truth, where their images are." };
        var coco = new Option<FileInfo?>("--coco") { Description = "COCO instances json: each non-crowd annotation's box is ranked as its own crop." };
        var groundTruth = new Option<string?>("--ground-truth")
        {
            Description = "Evaluate the ranking: a folder of images/ and masks/ (each image ranked whole) or a COCO json (each instance by its box); "
                + "reports the Spearman correlation of uncertainty with error (1 - IoU) and the error share of the most uncertain superpixels.",
        };
        var boxes = new Option<bool>("--boxes") { Description = "With a --ground-truth mask folder: rank each mask's box instead of the whole image." };
        var segmenter = new Option<string?>("--segmenter") { Description = SegmenterSpec.Description + " Default: isnet when promoted, else grabcut." };
        var inputSize = new Option<int?>("--input-size") { Description = "Override the model's input side (IS-Net: 1024) to trade accuracy for time." };
        var passes = new Option<int>("--passes", "-D") { Description = $"Stochastic passes per item, 1..{MaxPasses}.", DefaultValueFactory = _ => 10 };
        var top = new Option<int>("--superpixels") { Description = "How many superpixels, the most uncertain across all items, superpixels.json keeps.", DefaultValueFactory = _ => 100 };
        var limit = new Option<int?>("--limit") { Description = "Rank only the first N items." };
        var reportItems = new Option<int>("--report-items")
        {
            Description = "How many of the most uncertain items report.html shows.",
            DefaultValueFactory = _ => RankingOutputs.DefaultReportItems,
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (and its rank-state.jsonl, which a rerun resumes from).", DefaultValueFactory = _ => new DirectoryInfo("ranking") };
        var runId = new Option<string?>("--run-id") { Description = "Storage folder rankings/{ID}/; default: from the settings' hash." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON on stdout (progress stays on stderr)." };
        var data = CliOptions.Data();
        var command = new Command("rank",
            "Rank unlabelled images (or COCO boxes) by the model's uncertainty: D passes with flips and small scale and shift changes of the prompt, "
            + "per-pixel variance and entropy, about 100 watershed superpixels per item. Writes ranking.csv, superpixels.json and report.html to --out "
            + "and to storage under rankings/. Rerunning with the same --out skips items already ranked.")
            { images, coco, groundTruth, boxes, segmenter, inputSize, passes, top, limit, reportItems, output, runId, json, data };
        command.Validators.Add(result =>
        {
            var sources = (result.GetValue(coco) is null ? 0 : 1) + (result.GetValue(groundTruth) is null ? 0 : 1);
            if (sources > 1)
                result.AddError("give one of --coco FILE or --ground-truth PATH, not both.");
            if (sources == 0 && result.GetValue(images) is null)
                result.AddError("give --images DIR (a folder to rank), --coco FILE --images DIR, or --ground-truth PATH.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = new Arguments(parse.GetValue(images)?.FullName, parse.GetValue(coco)?.FullName, parse.GetValue(groundTruth),
                parse.GetValue(boxes), parse.GetValue(segmenter), parse.GetValue(inputSize), parse.GetValue(passes), parse.GetValue(top),
                parse.GetValue(limit), parse.GetValue(output)!.FullName, parse.GetValue(runId), parse.GetValue(data)!.FullName, parse.GetValue(json),
                parse.GetValue(reportItems));
            try
            {
                var result = await RunAsync(args, cancellationToken);
                return result.Run.Failures.Count > 0 ? Incomplete : 0;
            }
            catch (Exception e) when (e is RankInputException or SegmenterSpecException or InvalidBlobKeyException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"segloop rank: {e.Message}");
                return BadInput;
            }
        });
        return command;
    }

    /// <summary>The summary printed at the end (and with --json on stdout).</summary>
    public sealed record RankResult(
        [property: JsonPropertyName("segmenter")] string Segmenter,
        [property: JsonPropertyName("passes")] int Passes,
        [property: JsonPropertyName("run")] RankRunSummary Run,
        [property: JsonPropertyName("seconds_per_item")] double SecondsPerItem,
        [property: JsonPropertyName("files")] IReadOnlyList<string> Files,
        [property: JsonPropertyName("storage_keys")] IReadOnlyList<string> StorageKeys,
        [property: JsonPropertyName("top")] IReadOnlyList<string> Top,
        [property: JsonPropertyName("evaluation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RankEvaluation? Evaluation);

    /// <summary>
    /// Does the ranking mean something (ground-truth runs). A correlation is null where it is undefined: fewer than two
    /// items, or a measure or the error the same for every item (a perfect model has no error to rank by).
    /// </summary>
    public sealed record RankEvaluation(
        [property: JsonPropertyName("items")] int Items,
        [property: JsonPropertyName("mean_iou")] double MeanIou,
        [property: JsonPropertyName("spearman_variance")] double? SpearmanVariance,
        [property: JsonPropertyName("spearman_entropy")] double? SpearmanEntropy,
        [property: JsonPropertyName("spearman_box_fit")] double? SpearmanBoxFit,
        [property: JsonPropertyName("box_fit_items")] int BoxFitItems,
        [property: JsonPropertyName("spearman_random")] double? SpearmanRandom,
        [property: JsonPropertyName("spearman_random_spread")] double? SpearmanRandomSpread,
        [property: JsonPropertyName("superpixels")] int Superpixels,
        [property: JsonPropertyName("top20_error_share")] double Top20ErrorShare,
        [property: JsonPropertyName("top20_area_share")] double Top20AreaShare,
        [property: JsonPropertyName("top20_error_share_by_entropy")] double Top20ErrorShareByEntropy);

    private static readonly JsonSerializerOptions PrintJson = new() { WriteIndented = true };

    public static async Task<RankResult> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Passes is < 1 or > MaxPasses)
            throw new RankInputException($"-D/--passes {args.Passes} must be within 1..{MaxPasses}.");
        if (args.TopSuperpixels < 0 || args.Limit < 1 || args.ReportItems < 0)
            throw new RankInputException("--superpixels and --report-items must be at least 0, and --limit at least 1.");
        var items = args.GroundTruth is not null
            ? await RankInput.FromGroundTruthAsync(args.GroundTruth, args.Images, args.Boxes, cancellationToken)
            : args.Coco is not null
                ? await RankInput.FromCocoAsync(args.Coco, args.Images ?? throw new RankInputException("--coco needs --images DIR."), cancellationToken)
                : RankInput.FromFolder(args.Images!);
        if (args.Limit is { } limit)
            items = items.Take(limit).ToList();
        var source = args.GroundTruth ?? args.Coco ?? args.Images!;

        using var resolved = await ResolveAsync(args, cancellationToken);
        var segmenter = resolved.Segmenter;
        var segmenterName = $"{segmenter.Model}@{segmenter.Version}" + (args.InputSize is { } side ? $" (input {side})" : "");
        var salt = Hash($"{Path.GetFullPath(source)}|{args.Boxes}|{segmenterName}|{args.Passes}|{ItemRanker.DefaultSuperpixels}");
        Directory.CreateDirectory(args.Output);
        using var state = RankState.Open(Path.Combine(args.Output, RankState.FileName), new RankStateHeader(salt, source, segmenterName, args.Passes));
        var runner = new RankRunner(new ItemRanker(new UncertaintyScorer(segmenter)), args.Passes);

        var progressConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        progressConsole.MarkupLine(Markup.Escape($"rank: {items.Count} items from {source}; {segmenterName}; D = {args.Passes}"));
        RankRunSummary run = null!;
        await progressConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("rank", maxValue: items.Count);
                run = await runner.RunAsync(items, state, _ => task.Increment(1), cancellationToken);
                task.Value = task.MaxValue;
            });

        // Outputs from every item of this source ranked so far (this run and earlier ones).
        var entries = items.Select(i => state.Done.GetValueOrDefault(i.Item.Id)).OfType<RankStateEntry>().ToList();
        var outputs = RankingOutputs.Build(entries.Select(e => e.Ranking), args.TopSuperpixels,
            $"Uncertainty ranking of {Path.GetFileName(source.TrimEnd('/'))}: {segmenterName}, D = {args.Passes}", args.ReportItems);
        var files = new List<string>();
        var keys = new List<string>();
        var id = args.RunId ?? "cli-" + salt[..16];
        using (var services = CliConfiguration.StorageServices(CliConfiguration.Build(args.DataRoot)))
        {
            var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IBlobStore>(services);
            foreach (var (name, bytes, type) in new[]
                     {
                         (RankingOutputs.RankingFile, outputs.RankingCsv, "text/csv"),
                         (RankingOutputs.SuperpixelsFile, outputs.SuperpixelsJson, "application/json"),
                         (RankingOutputs.ReportFile, outputs.ReportHtml, "text/html"),
                     })
            {
                var path = Path.Combine(args.Output, name);
                await File.WriteAllBytesAsync(path, bytes, cancellationToken);
                files.Add(path);
                var key = RankingService.Key(id, name);
                await store.PutBytesAsync(key, bytes, type, cancellationToken);
                keys.Add(key);
            }
        }

        var evaluation = args.GroundTruth is null ? null : Evaluate(entries);
        if (evaluation is not null)
        {
            var path = Path.Combine(args.Output, "evaluation.json");
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(evaluation, PrintJson), cancellationToken);
            files.Add(path);
        }
        var perItem = run.Ranked == 0 ? 0 : Math.Round(run.Seconds / run.Ranked, 3);
        var result = new RankResult(segmenterName, args.Passes, run, perItem, files, keys,
            RankingOutputs.Order(entries.Select(e => e.Ranking)).Take(5).Select(r => r.Item).ToList(), evaluation);
        if (args.Json)
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(result, PrintJson));
        else
            Render(result);
        return result;
    }

    private static async Task<ResolvedSegmenter> ResolveAsync(Arguments args, CancellationToken cancellationToken)
    {
        if (args.Segmenter is not null)
            return await SegmenterSpec.ResolveAsync(args.Segmenter, args.DataRoot, args.InputSize, cancellationToken);
        try
        {
            return await SegmenterSpec.ResolveAsync("isnet", args.DataRoot, args.InputSize, cancellationToken);
        }
        catch (SegmenterSpecException)
        {
            await Console.Error.WriteLineAsync("rank: no promoted isnet in the registry; ranking with grabcut (see 'segloop models fetch isnet --register').");
            return await SegmenterSpec.ResolveAsync("grabcut", args.DataRoot, null, cancellationToken);
        }
    }

    /// <summary>Correlation of the item scores with the error, against a random ranking; where the superpixels' errors lie.</summary>
    internal static RankEvaluation? Evaluate(IReadOnlyList<RankStateEntry> entries)
    {
        var evaluated = entries.Where(e => e.Evaluation is not null).ToList();
        if (evaluated.Count == 0)
            return null;
        var error = evaluated.Select(e => 1 - e.Evaluation!.Iou).ToList();
        var random = RankingEvaluation.RandomBaseline(error);
        var regions = evaluated.SelectMany(e => e.Ranking.Superpixels.Select(s => (e, s))).ToList();
        var byScore = RankingEvaluation.TopShare(regions.Select(x => new ScoredRegion(x.s.Score, x.s.Area, x.e.Evaluation!.SuperpixelErrorPixels[x.s.Index])).ToList(), 0.2);
        var byEntropy = RankingEvaluation.TopShare(regions.Select(x => new ScoredRegion(x.s.Entropy, x.s.Area, x.e.Evaluation!.SuperpixelErrorPixels[x.s.Index])).ToList(), 0.2);
        static double R(double v) => Math.Round(v, 4);
        static double? Defined(double v) => double.IsNaN(v) ? null : R(v); // JSON has no NaN
        // Box fit exists for box items only (a whole image's frame is not drawn around anything).
        var fitted = evaluated.Where(e => e.Ranking.BoxFit is not null).ToList();
        var boxFit = RankingEvaluation.Spearman(fitted.Select(e => e.Ranking.BoxFit!.Value).ToList(), fitted.Select(e => 1 - e.Evaluation!.Iou).ToList());
        return new RankEvaluation(evaluated.Count, R(evaluated.Average(e => e.Evaluation!.Iou)),
            Defined(RankingEvaluation.Spearman(evaluated.Select(e => e.Ranking.MeanVariance).ToList(), error)),
            Defined(RankingEvaluation.Spearman(evaluated.Select(e => e.Ranking.MeanEntropy).ToList(), error)), Defined(boxFit), fitted.Count,
            Defined(random.One), Defined(random.Spread), byScore.Regions, R(byScore.ErrorShareOfChosen), R(byScore.AreaShareOfChosen), R(byEntropy.ErrorShareOfChosen));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static void Render(RankResult r)
    {
        static string N(double? v) => v?.ToString("0.####", CultureInfo.InvariantCulture) ?? "n/a";
        var table = new Table().Title($"rank: {r.Run.Items} items, {r.Segmenter}, D = {r.Passes}").AddColumn("").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("done earlier (skipped)", N(r.Run.Skipped));
        table.AddRow("[green]ranked now[/]", N(r.Run.Ranked));
        table.AddRow(r.Run.Failures.Count > 0 ? "[red]failed[/]" : "failed", N(r.Run.Failures.Count));
        table.AddRow("seconds per item", N(r.SecondsPerItem));
        if (r.Evaluation is { } e)
        {
            table.AddRow("evaluated items (mean IoU)", $"{e.Items} ({N(e.MeanIou)})");
            table.AddRow("Spearman: variance / entropy / random (± spread)", $"{N(e.SpearmanVariance)} / {N(e.SpearmanEntropy)} / {N(e.SpearmanRandom)} (± {N(e.SpearmanRandomSpread)})");
            if (e.SpearmanBoxFit is { } fit)
                table.AddRow($"Spearman: box fit ({e.BoxFitItems} boxes)", N(fit));
            table.AddRow("top 20 % superpixels: error share (area share)", $"{N(e.Top20ErrorShare)} ({N(e.Top20AreaShare)})");
        }
        AnsiConsole.Write(table);
        foreach (var f in r.Run.Failures.Take(10))
            AnsiConsole.MarkupLineInterpolated($"[red]{f.Item}[/]: {f.Reason}");
        AnsiConsole.MarkupLineInterpolated($"outputs: {string.Join(", ", r.Files)}; storage: {string.Join(", ", r.StorageKeys)}");
    }
}
