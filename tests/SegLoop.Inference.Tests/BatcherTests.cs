using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Batching;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>The batcher on its own, with a slow fake backend that records the batches it gets.</summary>
public sealed class BatcherTests
{
    [Fact]
    public async Task FewCrops_WhileSlotsAreFree_AreSharedAmongTheSlots()
    {
        // 8 crops of a slow model and two free slots: two batches of 4 side by side, not one of 8 on one slot.
        await using var batcher = NewBatcher(maxBatch: 32, maxConcurrentBatches: 2);
        var backend = new SlowBackend(TimeSpan.FromMilliseconds(300));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => batcher.SubmitAsync(backend, Crop(i), CancellationToken.None)));

        Assert.Equal(8, results.Length);
        Assert.Equal([4, 4], backend.Batches.Order());
        Assert.Equal(2, backend.MostAtOnce);
    }

    [Fact]
    public async Task ManyCrops_FillBatchesOfMaxBatch()
    {
        await using var batcher = NewBatcher(maxBatch: 4, maxConcurrentBatches: 2);
        var backend = new SlowBackend(TimeSpan.FromMilliseconds(50));

        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => batcher.SubmitAsync(backend, Crop(i), CancellationToken.None)));

        Assert.Equal(24, backend.Batches.Sum());
        Assert.All(backend.Batches, size => Assert.Equal(4, size));
    }

    private static Batcher NewBatcher(int maxBatch, int maxConcurrentBatches)
    {
        var options = new InferenceOptions { Batching = { MaxBatch = maxBatch, MaxWaitMs = 20, MaxConcurrentBatches = maxConcurrentBatches } };
        return new Batcher(Options.Create(options), new InferenceMetrics(new TestMeterFactory()), TimeProvider.System, NullLogger<Batcher>.Instance);
    }

    private static CropInput Crop(int index)
    {
        var box = new Rect(0, 0, 2, 2);
        return new CropInput
        {
            Prompt = new PreparedPrompt(index, box, box, [], []),
            GroupKey = "fake",
            Crop = Image.FromPixels(2, 2, 3, new byte[12]),
        };
    }

    private sealed class SlowBackend(TimeSpan perBatch) : CropBackend
    {
        private int _running;
        private int _mostAtOnce;

        public ConcurrentQueue<int> Batches { get; } = new();

        public int MostAtOnce => _mostAtOnce;

        public override string Model => "slow";

        public override string Version => "v1";

        public override bool UsesClickSeeds => false;

        public override CropInput Prepare(Image image, PreparedPrompt prompt) => throw new NotSupportedException();

        public override IReadOnlyList<CropProbabilities> Run(StagedBatch batch, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            int seen;
            while ((seen = Volatile.Read(ref _mostAtOnce)) < now && Interlocked.CompareExchange(ref _mostAtOnce, now, seen) != seen)
            {
            }
            Batches.Enqueue(batch.Crops.Count);
            Thread.Sleep(perBatch);
            Interlocked.Decrement(ref _running);
            return batch.Crops.Select(c => new CropProbabilities(new float[4], 2, 2)).ToList();
        }
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
