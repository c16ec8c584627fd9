using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SegLoop.Inference.Tests;

/// <summary>Listens to the "SegLoop.Inference" meter's batch-size histogram: the sizes of the model runs that happened.</summary>
internal sealed class BatchSizeRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<int> _sizes = new();

    /// <summary>Only the meter that <paramref name="meterFactory"/> (one host's) creates: tests in parallel have their own.</summary>
    public BatchSizeRecorder(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InferenceMetrics.MeterName && instrument.Name == InferenceMetrics.BatchSizeName &&
                ReferenceEquals(instrument.Meter.Scope, meterFactory))
                l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => _sizes.Enqueue(value));
        _listener.Start();
    }

    public IReadOnlyList<int> Sizes => _sizes.ToArray();

    public void Dispose() => _listener.Dispose();
}
