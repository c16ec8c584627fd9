using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Inference.Backends;

namespace SegLoop.Inference.Batching;

/// <summary>
/// Gathers crops from many requests into batches per (model version, input size): a batch runs when it holds
/// Inference:Batching:MaxBatch crops or its oldest crop has waited MaxWaitMs, with at most MaxConcurrentBatches
/// running at once (while they run, new crops queue up and the next batches fill). Crops that are ready while several
/// slots are free are shared among them, so every slot (each with its share of the cores) gets work. Each crop's
/// result goes back through its own task; when a batch fails its crops are re-run one by one, so one bad crop fails
/// only its request.
/// </summary>
public sealed class Batcher : IAsyncDisposable, ICropScheduler
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly BatchingOptions _options;
    private readonly InferenceMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<Batcher> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Task _loop;

    public Batcher(IOptions<InferenceOptions> options, InferenceMetrics metrics, TimeProvider timeProvider, ILogger<Batcher> logger)
    {
        _options = options.Value.Batching;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentBatches, _options.MaxConcurrentBatches);
        _loop = Task.Run(LoopAsync);
    }

    async Task<IReadOnlyList<CropProbabilities>> ICropScheduler.RunAsync(CropBackend backend, IReadOnlyList<CropInput> crops,
        CancellationToken cancellationToken) =>
        await Task.WhenAll(crops.Select(c => SubmitAsync(backend, c, cancellationToken))).ConfigureAwait(false);

    /// <summary>Queues one crop for <paramref name="backend"/>; completes with its probabilities or the backend's exception.</summary>
    internal Task<CropProbabilities> SubmitAsync(CropBackend backend, CropInput input, CancellationToken cancellationToken)
    {
        var item = new WorkItem(new GroupKey(backend, input.GroupKey), input, _timeProvider.GetTimestamp(), cancellationToken);
        if (!_queue.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(Batcher));
        return item.Completion.Task;
    }

    private async Task LoopAsync()
    {
        var pending = new Dictionary<GroupKey, List<WorkItem>>();
        var reader = _queue.Reader;
        var maxWait = TimeSpan.FromMilliseconds(_options.MaxWaitMs);
        Task<bool>? readable = null;
        var open = true;
        while (open || pending.Count > 0)
        {
            Drain(reader, pending);
            while (NextReady(pending, maxWait, flushAll: !open) is { } ready)
            {
                await _slots.WaitAsync().ConfigureAwait(false);
                Drain(reader, pending); // crops that arrived while every slot was busy join this batch
                var items = pending[ready];
                // The waiting crops are shared among the free slots (this one and those still free): a few slow crops
                // (a big model on CPU) run side by side instead of as one batch on one slot while the others idle.
                var free = _slots.CurrentCount + 1;
                var batch = items.Take(Math.Min(_options.MaxBatch, (items.Count + free - 1) / free)).ToList();
                items.RemoveRange(0, batch.Count);
                if (items.Count == 0)
                    pending.Remove(ready);
                // A model run blocks its thread in native code for the whole batch: give it a thread of its own, so the
                // thread pool stays free for the consumers, the bus and this loop's own wait timers.
                _ = Task.Factory.StartNew(() => Execute(ready.Backend, batch), CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            if (!open)
                continue;

            readable ??= reader.WaitToReadAsync().AsTask();
            if (pending.Count == 0)
            {
                open = await readable.ConfigureAwait(false);
                readable = null;
                continue;
            }
            var oldest = pending.Values.Min(l => l[0].Enqueued);
            var remaining = maxWait - _timeProvider.GetElapsedTime(oldest);
            if (remaining > TimeSpan.Zero)
            {
                var delay = Task.Delay(remaining, _timeProvider);
                if (await Task.WhenAny(readable, delay).ConfigureAwait(false) == readable)
                {
                    open = await readable.ConfigureAwait(false);
                    readable = null;
                }
            }
        }
    }

    private static void Drain(ChannelReader<WorkItem> reader, Dictionary<GroupKey, List<WorkItem>> pending)
    {
        while (reader.TryRead(out var item))
        {
            if (!pending.TryGetValue(item.Key, out var list))
                pending[item.Key] = list = [];
            list.Add(item);
        }
    }

    private GroupKey? NextReady(Dictionary<GroupKey, List<WorkItem>> pending, TimeSpan maxWait, bool flushAll)
    {
        foreach (var (key, items) in pending)
        {
            if (flushAll || items.Count >= _options.MaxBatch || _timeProvider.GetElapsedTime(items[0].Enqueued) >= maxWait)
                return key;
        }
        return null;
    }

    private void Execute(CropBackend backend, List<WorkItem> batch)
    {
        try
        {
            var live = batch.Where(i => !i.Cancellation.IsCancellationRequested).ToList();
            foreach (var item in batch.Except(live))
                item.Completion.TrySetCanceled(item.Cancellation);
            if (live.Count == 0)
                return;
            try
            {
                var outputs = backend.Run(live.Select(i => i.Input).ToList(), CancellationToken.None);
                _metrics.BatchRun(backend.Model, live.Count);
                for (var i = 0; i < live.Count; i++)
                    live[i].Completion.TrySetResult(outputs[i]);
            }
            catch (Exception e) when (live.Count > 1)
            {
                Log.BatchFailed(_logger, e, backend.Model, live.Count);
                foreach (var item in live)
                    RunAlone(backend, item);
            }
            catch (Exception e)
            {
                live[0].Completion.TrySetException(e);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private void RunAlone(CropBackend backend, WorkItem item)
    {
        try
        {
            var output = backend.Run([item.Input], CancellationToken.None);
            _metrics.BatchRun(backend.Model, 1);
            item.Completion.TrySetResult(output[0]);
        }
        catch (Exception e)
        {
            item.Completion.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        // Let running batches finish before the slots go.
        for (var i = 0; i < _options.MaxConcurrentBatches; i++)
            await _slots.WaitAsync().ConfigureAwait(false);
        _slots.Dispose();
    }

    private readonly record struct GroupKey(CropBackend Backend, object InputKey);

    private sealed class WorkItem(GroupKey key, CropInput input, long enqueued, CancellationToken cancellation)
    {
        public GroupKey Key => key;
        public CropInput Input => input;
        public long Enqueued => enqueued;
        public CancellationToken Cancellation => cancellation;
        public TaskCompletionSource<CropProbabilities> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
