using System.Collections.Concurrent;

namespace SegLoop.Inference.Backends;

/// <summary>
/// Batch input tensors kept for reuse by one backend (a batch of 32 crops at 320 x 320 is 39 MB). The shared
/// ArrayPool rounds such a request up to a 64 MB array and drops idle ones at every full collection, so under load
/// each batch would allocate afresh on the large object heap; here a few buffers live as long as the backend.
/// </summary>
internal sealed class TensorBufferPool(int capacity)
{
    private readonly ConcurrentBag<float[]> _free = [];
    private int _largest;

    /// <summary>A buffer of at least <paramref name="length"/> floats, contents undefined.</summary>
    public float[] Rent(int length)
    {
        // New buffers take the largest length asked for so far, so one fits every later batch: sized to each batch,
        // a buffer from a batch of 28 crops was dropped and 39 MB allocated again for the next batch of 32.
        var size = RaiseLargest(length);
        while (_free.TryTake(out var buffer))
        {
            if (buffer.Length >= length)
                return buffer;
            // Too small for this batch: let it go; the larger one replaces it when returned.
        }
        return GC.AllocateUninitializedArray<float>(size);
    }

    /// <summary>max(largest, length), stored as the new largest.</summary>
    private int RaiseLargest(int length)
    {
        var seen = Volatile.Read(ref _largest);
        while (seen < length)
        {
            var before = Interlocked.CompareExchange(ref _largest, length, seen);
            if (before == seen)
                return length;
            seen = before;
        }
        return seen;
    }

    public void Return(float[] buffer)
    {
        if (_free.Count < capacity)
            _free.Add(buffer);
    }
}
