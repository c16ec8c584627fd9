using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SegLoop.Inference.Tests;

/// <summary>Listens to the "SegLoop.Inference" meter's batch-size histogram: the sizes of the model runs that happened.</summary>
internal sealed class BatchSizeRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<int> sizes = new();

    /// <summary>Only the meter that <paramref name="meterFactory"/> (one host's) creates: tests in parallel have their own.</summary>
    public BatchSizeRecorder(IMeterFactory meterFactory)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InferenceMetrics.MeterName && instrument.Name == InferenceMetrics.BatchSizeName &&
                ReferenceEquals(instrument.Meter.Scope, meterFactory))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => sizes.Enqueue(value));
        listener.Start();
    }

    public IReadOnlyList<int> Sizes => sizes.ToArray();

    public void Dispose() => listener.Dispose();
}
