using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Evaluation;

/// <summary>
/// Mean metrics over a set of instances after <see cref="Clicks"/> simulated clicks, and how many of the predictions were
/// empty (they score 0 and are never a success).
/// </summary>
public sealed record StepSummary(int Clicks, double Iou, double BoundaryPrecision, double BoundaryRecall, double BoundaryF, double BoundaryIou,
    int Empty = 0);

/// <summary>
/// One stratum: a domain and class ("*" for all), its instance count, misses and means per click step, and the filled
/// prompt box's means (the floor a segmenter must beat; null when no instance had a box).
/// </summary>
public sealed record StratumSummary(string Domain, string Category, int Instances, int Missed, IReadOnlyList<StepSummary> Steps,
    StepSummary? FilledBox = null)
{
    /// <summary>NoC@85 and NoC@90 (<see cref="NumberOfClicks"/>) when clicks were simulated; empty otherwise.</summary>
    public IReadOnlyList<NocSummary> Noc { get; init; } = [];
}

/// <summary>The aggregated result of a run: overall, per domain, and per domain x class stratum.</summary>
public sealed record EvaluationSummary
{
    public required string GroundTruth { get; init; }
    public string? Predictions { get; init; }
    public string? Segmenter { get; init; }
    public required string Tolerance { get; init; }
    public required string Band { get; init; }
    public int Clicks { get; init; }

    /// <summary>Predictions that matched no ground-truth instance.</summary>
    public int UnmatchedPredictions { get; init; }

    public required StratumSummary Overall { get; init; }
    public required IReadOnlyList<StratumSummary> Domains { get; init; }
    public required IReadOnlyList<StratumSummary> Strata { get; init; }

    /// <summary>Every domain's instances by COCO size class (Category is small, medium or large); quality is judged per size, never only overall.</summary>
    public IReadOnlyList<StratumSummary> Sizes { get; init; } = [];
}

/// <summary>What <c>segloop evaluate</c> writes: the summary and every instance's metrics.</summary>
public sealed record EvaluationResult
{
    public required EvaluationSummary Summary { get; init; }
    public IReadOnlyList<InstanceEvaluation> Instances { get; init; } = [];

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
            await JsonSerializer.SerializeAsync(stream, this, JsonOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a metrics json an earlier run wrote (for the baseline gate).</summary>
    public static async Task<EvaluationResult> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            throw new EvaluationInputException($"baseline {path} does not exist.");
        try
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                var result = await JsonSerializer.DeserializeAsync<EvaluationResult>(stream, JsonOptions, cancellationToken).ConfigureAwait(false);
                return result?.Summary is null ? throw new EvaluationInputException($"baseline {path} has no \"summary\".") : result;
            }
        }
        catch (JsonException e)
        {
            throw new EvaluationInputException($"baseline {path} is not a segloop evaluate metrics json: {e.Message}", e);
        }
    }
}

/// <summary>Means per domain and per domain x class, at every click step.</summary>
public static class MetricsAggregator
{
    public const string All = "*";

    public static EvaluationSummary Summarize(IReadOnlyList<InstanceEvaluation> instances, EvaluationSummary header)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(header);
        return header with
        {
            Overall = Stratum(All, All, instances, header.Clicks),
            Domains = instances.GroupBy(i => i.Domain).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Stratum(g.Key, All, g.ToList(), header.Clicks)).ToList(),
            Strata = instances.GroupBy(i => (i.Domain, i.Category)).OrderBy(g => g.Key.Domain, StringComparer.Ordinal)
                .ThenBy(g => g.Key.Category, StringComparer.Ordinal)
                .Select(g => Stratum(g.Key.Domain, g.Key.Category, g.ToList(), header.Clicks)).ToList(),
            Sizes = SizeClasses.All.Select(size => (size, list: instances.Where(i => i.SizeClass == size).ToList()))
                .Where(x => x.list.Count > 0).Select(x => Stratum(All, x.size, x.list, header.Clicks)).ToList(),
        };
    }

    public static StratumSummary Stratum(string domain, string category, IReadOnlyList<InstanceEvaluation> instances, int clicks = 0)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var stepCount = instances.Count == 0 ? 0 : instances.Min(i => i.Steps.Count);
        var steps = new List<StepSummary>(stepCount);
        for (var k = 0; k < stepCount; k++)
        {
            var at = instances.Select(i => i.Steps[k]).ToList();
            var step = k;
            steps.Add(Mean(k, at) with { Empty = instances.Count(i => i.Empty.Count > step && i.Empty[step]) });
        }
        var boxes = instances.Where(i => i.FilledBox is not null).Select(i => i.FilledBox!).ToList();
        return new StratumSummary(domain, category, instances.Count, instances.Count(i => i.Missed), steps, boxes.Count == 0 ? null : Mean(0, boxes))
        {
            Noc = clicks > 0 && instances.Count > 0 ? NumberOfClicks.Thresholds.Select(t => NumberOfClicks.Compute(instances, t, clicks)).ToList() : [],
        };
    }

    private static StepSummary Mean(int clicks, IReadOnlyList<InstanceMetrics> at) =>
        new(clicks, at.Average(m => m.Iou), at.Average(m => m.BoundaryPrecision), at.Average(m => m.BoundaryRecall),
            at.Average(m => m.BoundaryF), at.Average(m => m.BoundaryIou));
}

/// <summary>One metric of one stratum that fell by more than the tolerance (Current is NaN when the stratum vanished).</summary>
public sealed record Regression(string Domain, string Category, int Clicks, string Metric, double Baseline, double Current)
{
    public override string ToString() => double.IsNaN(Current)
        ? $"{Domain} / {Category}: missing from this run (baseline had it)"
        : FormattableString.Invariant($"{Domain} / {Category} after {Clicks} clicks: {Metric} {Baseline:0.0000} -> {Current:0.0000} ({Current - Baseline:+0.0000;-0.0000})");
}

/// <summary>
/// The regression gate for promoting a model: every domain x class stratum of the baseline must still be there and
/// none of its mean IoU, mean boundary F or mean Boundary IoU may fall by more than <c>maxDrop</c> (absolute), at
/// every click step both runs have.
/// </summary>
public static class RegressionGate
{
    public static IReadOnlyList<Regression> Compare(EvaluationSummary baseline, EvaluationSummary current, double maxDrop)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        if (!(maxDrop >= 0))
            throw new ArgumentOutOfRangeException(nameof(maxDrop), maxDrop, "the allowed drop must be 0 or more");
        var now = current.Strata.ToDictionary(s => (s.Domain, s.Category));
        var regressions = new List<Regression>();
        foreach (var before in baseline.Strata)
        {
            if (!now.TryGetValue((before.Domain, before.Category), out var after))
            {
                regressions.Add(new Regression(before.Domain, before.Category, 0, "instances", before.Instances, double.NaN));
                continue;
            }
            foreach (var b in before.Steps)
            {
                var a = after.Steps.FirstOrDefault(s => s.Clicks == b.Clicks);
                if (a is null)
                    continue;
                foreach (var (metric, x, y) in new[] { ("IoU", b.Iou, a.Iou), ("boundary F", b.BoundaryF, a.BoundaryF), ("Boundary IoU", b.BoundaryIou, a.BoundaryIou) })
                {
                    if (x - y > maxDrop + 1e-12)
                        regressions.Add(new Regression(before.Domain, before.Category, b.Clicks, metric, x, y));
                }
            }
        }
        return regressions;
    }
}
