using System.Diagnostics.Metrics;

namespace SegLoop.Inference;

/// <summary>
/// The "SegLoop.Inference" meter: request latency (the backend computes p50/p90/p99 from the histogram), batch sizes
/// and throughput counters. Exported by SegLoop.Hosting's telemetry (it listens to every "SegLoop.*" meter).
/// </summary>
public sealed class InferenceMetrics
{
    public const string MeterName = "SegLoop.Inference";
    public const string RequestDurationName = "segloop.inference.request.duration";
    public const string BatchSizeName = "segloop.inference.batch.size";
    public const string RequestsName = "segloop.inference.requests";
    public const string PromptsName = "segloop.inference.prompts";

    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _prompts;

    public InferenceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _requestDuration = meter.CreateHistogram(RequestDurationName, unit: "ms",
            description: "Time from a request's arrival to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000] });
        _batchSize = meter.CreateHistogram(BatchSizeName, unit: "{crop}", description: "Crops per model run.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _requests = meter.CreateCounter<long>(RequestsName, unit: "{request}", description: "Requests answered, by outcome.");
        _prompts = meter.CreateCounter<long>(PromptsName, unit: "{prompt}", description: "Prompts segmented.");
    }

    internal void RequestAnswered(string model, string outcome, double milliseconds)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        _requestDuration.Record(milliseconds, modelTag, outcomeTag);
        _requests.Add(1, modelTag, outcomeTag);
    }

    internal void PromptsSegmented(string model, int count) =>
        _prompts.Add(count, new KeyValuePair<string, object?>("model", model));

    internal void BatchRun(string model, int size) =>
        _batchSize.Record(size, new KeyValuePair<string, object?>("model", model));
}
