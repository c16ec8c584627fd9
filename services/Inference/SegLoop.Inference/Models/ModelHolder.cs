using SegLoop.Inference.Backends;

namespace SegLoop.Inference.Models;

/// <summary>
/// One loaded model version, reference-counted: the catalog holds one reference while the version is current, each
/// request holds one through a <see cref="ModelLease"/>. The model is disposed when the last reference goes, so a
/// swap never pulls a model from under a batch that is still running on it.
/// </summary>
internal sealed class ModelHolder(CropBackend backend, IDisposable? owned)
{
    private int _references = 1;

    public CropBackend Backend => backend;

    /// <summary>True once every reference is released and the model disposed.</summary>
    public bool IsReleased => Volatile.Read(ref _references) == 0;

    public ModelLease? TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
                return null;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
                return new ModelLease(this);
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            owned?.Dispose();
    }
}

/// <summary>A request's hold on one model version; dispose it when the request's last batch is done.</summary>
internal sealed class ModelLease(ModelHolder holder) : IDisposable
{
    private int _disposed;

    public CropBackend Backend => holder.Backend;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            holder.Release();
    }
}
