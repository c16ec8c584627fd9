using System.Globalization;
using SegLoop.Contracts;
using SegLoop.CropBuilder;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Evaluation;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Backends.Refiner;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.Vision.Coco;

namespace SegLoop.Training;

/// <summary>What one training run did, written to models/{name}/{version}/training.json.</summary>
public sealed record RefinerTrainingReport
{
    public required string Model { get; init; }
    public required string Version { get; init; }
    public required string Manifest { get; init; }
    public required RefinerSettings Settings { get; init; }
    public required int Seed { get; init; }
    public required int TrainCrops { get; init; }
    public required long TrainPixels { get; init; }
    public required int TestCrops { get; init; }

    /// <summary>What the candidate was gated against: the promoted version of the name, else the base model alone.</summary>
    public required string Baseline { get; init; }
    public required EvaluationSummary Candidate { get; init; }
    public required EvaluationSummary BaselineSummary { get; init; }
    public required double MaxDrop { get; init; }
    public required IReadOnlyList<string> Regressions { get; init; }
    public required bool GatePassed { get; init; }
    public required bool Promoted { get; init; }

    /// <summary>"promoted", or why not (the regressions, or promotion switched off).</summary>
    public required string Decision { get; init; }
    /// <summary>Features (or the cache) and LightGBM.</summary>
    public required double TrainSeconds { get; init; }
    public required double EvaluationSeconds { get; init; }
}

/// <summary>
/// The nightly training job: newest dataset manifest -> train a refiner on its train split -> register it -> evaluate
/// it and the served model on the test split (per domain x class, the existing metrics) -> the regression gate ->
/// promote and publish <see cref="ModelPromoted"/> only when it passes; the report says why either way.
/// </summary>
public sealed class RefinerJob(IBlobStore store, ModelRegistry registry, TimeProvider time)
{
    public static string ReportKey(string name, string version) => $"{ModelRegistry.Prefix}{name}/{version}/training.json";

    public async Task<RefinerTrainingReport> RunAsync(RefinerTrainingOptions options, Func<ModelPromoted, CancellationToken, Task>? publish,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataset = await TrainingDataset.LoadAsync(store, options.DatasetPrefix, options.Manifest, cancellationToken).ConfigureAwait(false);
        var trainer = new RefinerTrainer(store, registry);
        var settings = await trainer.SettingsAsync(options, cancellationToken).ConfigureAwait(false);
        var crops = RefinerTrainer.TrainCrops(dataset, options);
        var test = dataset.Split(DatasetAssembler.Test);
        if (test.Count == 0)
            throw new TrainingInputException($"{dataset.ManifestKey} has no test split to gate on.");

        var started = time.GetTimestamp();
        var (zip, pixels) = await trainer.TrainAsync(crops, settings, options, progress, cancellationToken).ConfigureAwait(false);
        var trainSeconds = time.GetElapsedTime(started).TotalSeconds;
        var metadata = await registry.RegisterArtifactAsync(options.ModelName, zip, ModelKinds.Refiner, "model.zip", settings.ToJson(),
            provenance: new ModelProvenance("refiner", "trained by SegLoop", $"{dataset.ManifestKey} seed {options.Seed.ToString(CultureInfo.InvariantCulture)}"),
            cancellationToken: cancellationToken).ConfigureAwait(false);

        started = time.GetTimestamp();
        var truth = await dataset.GroundTruthAsync(store, DatasetAssembler.Test, Path.Combine(options.WorkDirectory, "test-crops"), cancellationToken)
            .ConfigureAwait(false);
        var promoted = await registry.GetPromotedAsync(options.ModelName, cancellationToken).ConfigureAwait(false);
        var baselineName = promoted is not null ? $"{options.ModelName}@{promoted.Version}" : settings.BaseModel;
        var evaluation = new EvaluationOptions { Clicks = options.GateClicks, Parallelism = 1 };
        EvaluationSummary candidate, baseline;
        using (var segmenter = await Segmenters.FromRegistryAsync(registry, options.ModelName, metadata.Version, cancellationToken: cancellationToken).ConfigureAwait(false))
            candidate = await SummarizeAsync(truth, segmenter, evaluation, options, "candidate", progress, cancellationToken).ConfigureAwait(false);
        baseline = await BaselineAsync(baselineName, truth, evaluation, options, progress, cancellationToken).ConfigureAwait(false);
        var evaluationSeconds = time.GetElapsedTime(started).TotalSeconds;

        var regressions = RegressionGate.Compare(baseline, candidate, options.MaxDrop);
        var passed = regressions.Count == 0;
        string decision;
        if (!passed)
        {
            decision = $"refused: {regressions.Count} regression(s) beyond {options.MaxDrop.ToString(CultureInfo.InvariantCulture)} against {baselineName}";
        }
        else if (!options.Promote)
        {
            decision = "gate passed; not promoted (--no-promote)";
        }
        else
        {
            var message = await registry.PromoteAsync(options.ModelName, metadata.Version, cancellationToken).ConfigureAwait(false);
            if (publish is not null)
                await publish(message, cancellationToken).ConfigureAwait(false);
            decision = "promoted";
        }
        var report = new RefinerTrainingReport
        {
            Model = options.ModelName,
            Version = metadata.Version,
            Manifest = dataset.ManifestKey,
            Settings = settings,
            Seed = options.Seed,
            TrainCrops = crops.Count,
            TrainPixels = pixels,
            TestCrops = test.Count,
            Baseline = baselineName,
            Candidate = candidate,
            BaselineSummary = baseline,
            MaxDrop = options.MaxDrop,
            Regressions = regressions.Select(r => r.ToString()).ToList(),
            GatePassed = passed,
            Promoted = passed && options.Promote,
            Decision = decision,
            TrainSeconds = trainSeconds,
            EvaluationSeconds = evaluationSeconds,
        };
        await store.PutJsonAsync(ReportKey(options.ModelName, metadata.Version), report, cancellationToken: cancellationToken).ConfigureAwait(false);
        return report;
    }

    private async Task<EvaluationSummary> BaselineAsync(string baselineName, GroundTruthSet truth, EvaluationOptions evaluation,
        RefinerTrainingOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (baselineName == GrabCutBackend.ModelName)
            return await SummarizeAsync(truth, Segmenters.GrabCut(), evaluation, options, "baseline", progress, cancellationToken).ConfigureAwait(false);
        var at = baselineName.IndexOf('@', StringComparison.Ordinal);
        using var segmenter = await Segmenters.FromRegistryAsync(registry, baselineName[..at], baselineName[(at + 1)..], cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return await SummarizeAsync(truth, segmenter, evaluation, options, "baseline", progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Evaluates on the test crops and summarises per domain x class, classes with fewer than
    /// <see cref="RefinerTrainingOptions.GateMinInstances"/> instances in a domain pooled as "(other classes)".
    /// </summary>
    private static async Task<EvaluationSummary> SummarizeAsync(GroundTruthSet truth, ISegmenter segmenter, EvaluationOptions evaluation,
        RefinerTrainingOptions options, string stage, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var total = truth.Instances.Count;
        var instances = await Evaluator.RunAsync(truth, null, segmenter, evaluation,
            progress is null ? null : new SyncProgress(done => progress.Report(new TrainingProgress(stage, done, total))), cancellationToken).ConfigureAwait(false);
        var counts = instances.GroupBy(i => (i.Domain, i.Category)).ToDictionary(g => g.Key, g => g.Count());
        var pooled = instances.Select(i => counts[(i.Domain, i.Category)] >= options.GateMinInstances ? i : i with { Category = PooledClasses }).ToList();
        var header = new EvaluationSummary
        {
            GroundTruth = truth.Name,
            Segmenter = $"{segmenter.Model}@{segmenter.Version}",
            Tolerance = evaluation.Metrics.Tolerance.ToString(),
            Band = evaluation.Metrics.Band.ToString(),
            Clicks = evaluation.Clicks,
            Overall = MetricsAggregator.Stratum(MetricsAggregator.All, MetricsAggregator.All, []),
            Domains = [],
            Strata = [],
        };
        return MetricsAggregator.Summarize(pooled, header);
    }

    public const string PooledClasses = "(other classes)";

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
