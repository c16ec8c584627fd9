using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Inference;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage;
using SegLoop.Storage.Local;
using SegLoop.TestModels;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Benchmarks;

/// <summary>
/// End-to-end pre-annotation (PNG images in a local folder store -> PreAnnotationRequested on the in-memory bus ->
/// batched Inference -> PreAnnotationCompleted published) against the bare model run on the same crops in batches of
/// the same size and as many at once, in the same process and run; for the project's test models (rembg preprocessing,
/// 320 x 320: the small saliency net, and u2netp's architecture with random weights, which costs what u2netp costs)
/// and for GrabCut. Both are measured warm (the service after warm-up passes until the JIT is quiet), in
/// rounds that alternate bare runs and an end-to-end pass; medians are compared.
/// The bare model is the model as its convention defines it, called on the crops: for ONNX, rembg's predict (resize,
/// normalise, run, rescale the output to the crop); that is the target's baseline. The network alone on tensors
/// staged beforehand is timed too and its ratio printed, so the cost of the model's own preprocessing stays visible.
/// Args: [--images N] (default 240) [--hidden H] (test model hidden channels, default 8)
/// [--only saliency|u2netp|onnx|grabcut] [--u2netp-prompts N] (default 16: u2netp's architecture costs ~20 GMAC and ~0.6 GB a crop in a batch)
/// [--coco] (coco-mini's JPEGs with every instance's box as a prompt, instead of the synthetic images).
/// </summary>
public sealed class InferenceThroughputBenchmark : IBenchmark
{
    private const int PromptsPerImage = 2;
    private const int MaxBatch = 32;
    // The end-to-end rate of one pass swings +-15 % on 2 shared cores (GC, the kernel's file creation, batch
    // formation); 9 rounds make the median steadier than 5 did (runs of 5 gave medians from 0.76 to 0.92).
    private const int Rounds = 9;

    public string Name => "inference-throughput";

    public string Description => "pre-annotation end to end (storage -> masks published) vs the bare model on the same crops; p50/p90 latency";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var images = BenchArgs.Int(args, "--images", 240);
        var hidden = BenchArgs.Int(args, "--hidden", 8, min: 0);
        var u2netPrompts = BenchArgs.Int(args, "--u2netp-prompts", 16);
        var only = BenchArgs.Choice(args, "--only", "saliency", "u2netp", "onnx", "grabcut");
        var root = Path.Combine(Path.GetTempPath(), "segloop-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new LocalFolderBlobStore(root);
            Console.WriteLine(FileCreationProbe(root));
            var registry = new ModelRegistry(store, TimeProvider.System);
            var preprocessing = new OnnxPreprocessing { Mode = PreprocessingMode.Rembg, InputSize = 320 };
            List<PreAnnotationRequested> requests;
            if (args.Contains("--coco"))
            {
                requests = await StoreCocoMiniAsync(store, cancellationToken);
                Console.WriteLine($"coco-mini: {requests.Count} JPEG images, {requests.Sum(r => r.Prompts.Count)} prompts (the instances' boxes) in a local folder store, " +
                                  $"in-memory bus, MaxBatch {MaxBatch}, {Environment.ProcessorCount} logical CPUs");
            }
            else
            {
                requests = await WriteImagesAsync(store, images, cancellationToken);
                Console.WriteLine($"{images} images 256x192 in a local folder store, {PromptsPerImage} box prompts each, in-memory bus, " +
                                  $"MaxBatch {MaxBatch}, {Environment.ProcessorCount} logical CPUs");
            }
            Console.WriteLine("model                      e2e prompts/s  bare prompts/s  ratio  target  p50 ms  p90 ms  p99 ms  mean batch");

            async Task<int> OnnxAsync(string label, string name, byte[] onnx, List<PreAnnotationRequested> subset)
            {
                await registry.RegisterAsync(name, onnx, preprocessing, cancellationToken: cancellationToken);
                await registry.PromoteAsync(name, "v1", cancellationToken);
                // The session options the service would give this model (threads divided among the concurrent batches).
                var sessionOptions = ModelCatalog.SessionOptions(new OnnxModelOptions(), new BatchingOptions().MaxConcurrentBatches);
                using var model = OnnxModel.FromBytes(onnx, sessionOptions, name: name);
                using var bare = new BareRuns(new OnnxBackend(model, preprocessing, name, "v1"), store, subset, cancellationToken);
                return await EndToEndAsync(label, name, root, store, subset, bare, cancellationToken);
            }

            var rc = 0;
            if (only is null or "onnx" or "saliency")
            {
                var net = OnnxTestModels.SaliencyNet(hidden);
                rc |= await OnnxAsync($"saliency-net(hidden={hidden})", "saliency", net.Onnx, requests);
            }
            if (only is null or "onnx" or "u2netp")
            {
                // u2netp's architecture costs ~20 GMAC and ~0.6 GB per crop in a batch: the first --u2netp-prompts
                // prompts (the last request cut short), so the batches stay a few crops each.
                var subset = new List<PreAnnotationRequested>();
                foreach (var r in requests)
                {
                    var left = u2netPrompts - subset.Sum(q => q.Prompts.Count);
                    if (left <= 0)
                        break;
                    subset.Add(r with { Prompts = r.Prompts.Take(left).ToList() });
                }
                Console.WriteLine($"  u2netp's architecture (random weights) on the first {subset.Count} images ({subset.Sum(r => r.Prompts.Count)} prompts):");
                rc |= await OnnxAsync("u2netp-architecture", "u2netp", OnnxTestModels.U2NetP().Onnx, subset);
            }
            if (only is null or "grabcut")
            {
                using var grabCutBare = new BareRuns(new GrabCutBackend(iterations: 5, clickRadius: 3), store, requests, cancellationToken);
                rc |= await EndToEndAsync("grabcut (5 iterations)", null, root, store, requests, grabCutBare, cancellationToken);
            }
            return rc;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// The CPU cost of creating a small file where the store lives, printed with the figures: every request writes a
    /// results file, so the end-to-end side pays it and the bare model does not. On ext4 without a journal (this
    /// project's build machines) a new inode skips every inode deleted in the last 1-6 minutes (the kernel's
    /// recently_deleted), so right after a run or a test suite deleted thousands of files beside it, one creation costs
    /// 300-730 us of CPU instead of 25-75 (measured on the 2-core machine): up to ~0.35 core-ms a prompt here.
    /// The probe files stay until the store is deleted (deleting them now would slow the run they measure).
    /// </summary>
    private static string FileCreationProbe(string root)
    {
        const int Files = 200;
        var folder = Directory.CreateDirectory(Path.Combine(root, ".probe")).FullName;
        var payload = new byte[4096];
        File.WriteAllBytes(Path.Combine(folder, "warm.json"), payload);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < Files; i++)
            File.WriteAllBytes(Path.Combine(folder, $"{i}.json"), payload);
        var us = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Files;
        var verdict = us < 150
            ? "quiet"
            : "slow: many files were deleted nearby in the last minutes (ext4 without a journal skips recently deleted inodes); the end-to-end side pays this per request";
        return $"file creation beside the store: {us:F0} us of CPU a file ({verdict})";
    }

    /// <summary>coco-mini's JPEGs in the store, one request per image with every non-crowd instance's box as a prompt.</summary>
    private static async Task<List<PreAnnotationRequested>> StoreCocoMiniAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        var dir = CropBench.CocoMiniDir();
        var dataset = await CocoDataset.LoadAsync(Path.Combine(dir, "annotations", "instances_train2017.json"), cancellationToken);
        var requests = new List<PreAnnotationRequested>();
        foreach (var image in dataset.Images)
        {
            var prompts = dataset.Annotations
                .Where(a => a.ImageId == image.Id && a.IsCrowd == 0 && a.Bbox is [_, _, >= 2, >= 2])
                .Select(a => new Prompt { Box = new BoundingBox(a.Bbox![0], a.Bbox[1], a.Bbox[2], a.Bbox[3]) })
                .ToList();
            if (prompts.Count == 0)
                continue;
            var key = $"images/coco/{image.FileName}";
            await store.PutBytesAsync(key, await File.ReadAllBytesAsync(Path.Combine(dir, "train2017", image.FileName), cancellationToken), "image/jpeg", cancellationToken);
            requests.Add(new PreAnnotationRequested { RequestId = $"coco-{image.Id}", ImageKey = key, Prompts = prompts });
        }
        return requests;
    }

    /// <summary>Synthetic 256x192 images with two dark-red boxes each, and one request per image (shared with inference-stages).</summary>
    internal static async Task<List<PreAnnotationRequested>> WriteImagesAsync(IBlobStore store, int count, CancellationToken cancellationToken)
    {
        var random = new Random(7);
        var requests = new List<PreAnnotationRequested>();
        for (var i = 0; i < count; i++)
        {
            const int Width = 256, Height = 192;
            var pixels = new byte[Width * Height * 3];
            random.NextBytes(pixels);
            var boxes = new[] { new Rect(20 + (i % 17), 30, 90, 80), new Rect(140, 40 + (i % 13), 80, 100) };
            foreach (var b in boxes)
            {
                for (var y = b.Y; y < b.Bottom; y++)
                {
                    for (var x = b.X; x < b.Right; x++)
                    {
                        var p = ((y * Width) + x) * 3;
                        pixels[p] = (byte)(pixels[p] / 4);
                        pixels[p + 1] = (byte)(pixels[p + 1] / 4);
                        pixels[p + 2] = (byte)(192 + (pixels[p + 2] / 4));
                    }
                }
            }
            using var image = Image.FromPixels(Width, Height, 3, pixels);
            var key = $"images/bench/{i:D4}.png";
            await store.PutBytesAsync(key, image.EncodePng(), "image/png", cancellationToken);
            requests.Add(new PreAnnotationRequested
            {
                RequestId = $"bench-{i:D4}",
                ImageKey = key,
                Prompts = boxes.Select(b => new Prompt { Box = new BoundingBox(b.X, b.Y, b.Width, b.Height) }).ToList(),
            });
        }
        return requests;
    }

    private static async Task<int> EndToEndAsync(string label, string? model, string root, IBlobStore store,
        List<PreAnnotationRequested> requests, BareRuns bare, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Bus:Transport"] = "InMemory",
            ["Bus:PrefetchCount"] = "256",
            ["Inference:ConcurrentMessageLimit"] = "128",
            ["Inference:Batching:MaxBatch"] = MaxBatch.ToString(CultureInfo.InvariantCulture),
            ["Inference:Batching:MaxWaitMs"] = "10",
            ["Inference:DefaultModel"] = model,
        });
        builder.AddSegLoopDefaults("inference-bench");
        builder.Services.AddSingleton(store);
        builder.Services.AddInference(builder.Configuration);
        builder.AddSegLoopBus(bus => bus.AddInferenceConsumers());
        using var host = builder.Build();
        // The end point is the answer's publication, as in a deployed worker: it serialises and publishes its answers
        // and never reads them back. Consuming them here would add a subscriber's work (deserialising a ~10 KB
        // completion per request) to the service's.
        var arrivals = new Arrivals();
        var busControl = host.Services.GetRequiredService<IBusControl>();
        using var observer = busControl.ConnectPublishObserver(arrivals);
        await host.StartAsync(cancellationToken);
        await busControl.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        var publish = host.Services.GetRequiredService<IPublishEndpoint>();

        // Warm-up, not timed: passes over every request (model load, pools, arenas, and the JIT: MassTransit and the
        // service bring thousands of methods that tiered compilation recompiles in the background for seconds) until a
        // pass spends under 2 % of its time compiling. The figure is a long-running worker's steady state, as the bare
        // runs' is; the JIT time left inside the timed pass is printed with it.
        var warmPasses = 0;
        var coldRate = 0.0;
        while (true)
        {
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            var pass = Stopwatch.StartNew();
            foreach (var r in requests)
                await publish.Publish(r with { RequestId = $"warm{warmPasses}-{r.RequestId}" }, cancellationToken);
            await arrivals.WaitAsync(requests.Count, cancellationToken);
            arrivals.Reset();
            if (warmPasses == 0)
                coldRate = requests.Sum(q => q.Prompts.Count) / pass.Elapsed.TotalSeconds;
            warmPasses++;
            if ((System.Runtime.JitInfo.GetCompilationTime() - jitBefore) < pass.Elapsed * 0.02 || warmPasses == 8)
                break;
        }
        Console.Error.WriteLine($"  {label}: warm after {warmPasses} passes, timing {Rounds} rounds");
        var batches = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InferenceMetrics.MeterName && instrument.Name == InferenceMetrics.BatchSizeName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
        {
            lock (batches)
                batches.Add(size);
        });
        listener.Start();

        // Rounds alternate the bare runs and an end-to-end pass (new request ids each), so both see the same machine;
        // the medians are compared.
        var rounds = new List<(double Bare, double BareCpu, double Network, double NetworkCpu, double E2e, double E2eCpu)>();
        var latencies = new List<double>();
        var cpuAll = TimeSpan.Zero;
        long allocatedAll = 0;
        var collections = new int[3];
        var gcPause = TimeSpan.Zero;
        var jit = TimeSpan.Zero;
        var failures = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var (bareRate, bareRoundCpu) = bare.Time(stagedBeforehand: false, cancellationToken);
            var (networkRate, networkRoundCpu) = bare.Time(stagedBeforehand: true, cancellationToken);
            arrivals.Reset();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var gc0 = GC.GetTotalAllocatedBytes();
            var collections0 = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
            var pause0 = GC.GetTotalPauseDuration();
            var jit0 = System.Runtime.JitInfo.GetCompilationTime();
            var watch = Stopwatch.StartNew();
            foreach (var r in requests)
            {
                var id = $"t{round}-{r.RequestId}";
                arrivals.Sent[id] = Stopwatch.GetTimestamp();
                await publish.Publish(r with { RequestId = id }, cancellationToken);
            }
            await arrivals.WaitAsync(requests.Count, cancellationToken);
            var elapsed = watch.Elapsed.TotalSeconds;
            failures += arrivals.Failures;
            var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            cpuAll += spent;
            allocatedAll += GC.GetTotalAllocatedBytes() - gc0;
            for (var g = 0; g < 3; g++)
                collections[g] += GC.CollectionCount(g) - collections0[g];
            gcPause += GC.GetTotalPauseDuration() - pause0;
            jit += System.Runtime.JitInfo.GetCompilationTime() - jit0;
            latencies.AddRange(arrivals.Received.Select(kv => Stopwatch.GetElapsedTime(arrivals.Sent[kv.Key], kv.Value).TotalMilliseconds));
            var promptCount = requests.Sum(q => q.Prompts.Count);
            rounds.Add((bareRate, bareRoundCpu, networkRate, networkRoundCpu, promptCount / elapsed, spent.TotalMilliseconds / promptCount));
        }
        await host.StopAsync(CancellationToken.None);
        listener.Dispose();

        latencies.Sort();
        var e2e = Median(rounds.Select(r => r.E2e));
        var bareMedian = Median(rounds.Select(r => r.Bare));
        var ratio = e2e / bareMedian;
        var prompts = (double)Rounds * requests.Sum(q => q.Prompts.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-26} {e2e,13:F1}  {bareMedian,14:F1}  {ratio,5:F2}  {(ratio >= 0.85 ? "met" : "MISSED"),6}  {Percentile(latencies, 0.5),6:F1}  {Percentile(latencies, 0.9),6:F1}  {Percentile(latencies, 0.99),6:F1}  " +
            $"{(batches.Count == 0 ? 0 : batches.Average()),10:F1}  " +
            $"{(failures == 0 ? "" : $"({failures} failed!)")}"));
        var e2eCpu = cpuAll.TotalMilliseconds / prompts;
        var bareCpu = Median(rounds.Select(r => r.BareCpu));
        var network = Median(rounds.Select(r => r.Network));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {Rounds} rounds, ratio per round {string.Join(" ", rounds.Select(r => (r.E2e / r.Bare).ToString("F2", CultureInfo.InvariantCulture)))}; " +
            $"CPU per prompt: e2e {e2eCpu:F2} core-ms, bare {bareCpu:F2}; allocated {allocatedAll / prompts / 1024:F0} KiB/prompt " +
            $"(collections of generation 0/1/2: {collections[0]}/{collections[1]}/{collections[2]}, paused {gcPause.TotalMilliseconds:F0} ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  the network alone on tensors staged beforehand: {network:F1} prompts/s ({Median(rounds.Select(r => r.NetworkCpu)):F2} core-ms per prompt), " +
            $"end to end {e2e / network:F2} of it (per round {string.Join(" ", rounds.Select(r => (r.E2e / r.Network).ToString("F2", CultureInfo.InvariantCulture)))})"));
        // With both CPU-bound, the ratio is about bare / (bare + overhead): 0.85 needs a model of overhead x 0.85 / 0.15.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  pipeline overhead {e2eCpu - bareCpu:F2} core-ms per prompt: 0.85 needs a model costing >= {(e2eCpu - bareCpu) * 0.85 / 0.15:F1} core-ms per prompt"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  JIT in the timed passes {jit.TotalMilliseconds:F0} ms, after {warmPasses} warm-up passes (the first, with the JIT still busy: {coldRate:F1} prompts/s)"));
        return failures == 0 ? 0 : 1;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    /// <summary>
    /// The bare model on the same crops (cut beforehand), in batches of MaxBatch, as many at once as the service runs:
    /// the backend's own preprocessing and run (for ONNX: resample and normalise into the batch tensor, run, rescale
    /// back), or, with stagedBeforehand, the run alone on batch tensors prepared once. Each <see cref="Time"/> runs
    /// every crop once and gives prompts/s and CPU per prompt.
    /// </summary>
    private sealed class BareRuns : IDisposable
    {
        private readonly CropBackend _backend;
        private readonly List<CropInput> _crops = [];
        private readonly List<CropInput[]> _batches = [];
        private readonly List<StagedBatch> _staged = [];

        public BareRuns(CropBackend backend, IBlobStore store, List<PreAnnotationRequested> requests, CancellationToken cancellationToken)
        {
            _backend = backend;
            try
            {
                foreach (var request in requests)
                {
                    using var image = ImageCodec.Decode(store.GetBytesAsync(request.ImageKey, cancellationToken).GetAwaiter().GetResult());
                    foreach (var prompt in PromptGeometry.PrepareAll(request.Prompts, image.Width, image.Height, PromptGeometry.DefaultPadding))
                        _crops.Add(backend.Prepare(image, prompt));
                }
                var groups = _crops.GroupBy(c => c.GroupKey).Select(g => g.ToList()).ToList();
                // Batches of MaxBatch, smaller when there are too few crops to keep every concurrent batch busy.
                var concurrency = new BatchingOptions().MaxConcurrentBatches;
                _batches.AddRange(groups.SelectMany(g => g.Chunk(Math.Clamp((g.Count + concurrency - 1) / concurrency, 1, MaxBatch))));
                _staged.AddRange(_batches.Select(backend.Stage));
                // Warm-up: one full pass of each (ONNX Runtime's arenas grow over the first runs).
                Time(stagedBeforehand: false, cancellationToken);
                Time(stagedBeforehand: true, cancellationToken);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public (double PromptsPerSecond, double CpuMsPerPrompt) Time(bool stagedBeforehand, CancellationToken cancellationToken)
        {
            // As many batches at once as the service runs (Inference:Batching:MaxConcurrentBatches, default 2).
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = new BatchingOptions().MaxConcurrentBatches, CancellationToken = cancellationToken };
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            if (stagedBeforehand)
                Parallel.ForEach(_staged, parallel, batch => _backend.Run(batch, cancellationToken));
            else
                Parallel.ForEach(_batches, parallel, batch => _backend.Run(batch, cancellationToken));
            return (_crops.Count / watch.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / _crops.Count);
        }

        public void Dispose()
        {
            foreach (var batch in _staged)
                batch.Dispose();
            foreach (var crop in _crops)
                crop.Dispose();
        }
    }

    /// <summary>Answers as they are published: completions by request id with the time, failures counted (and printed).</summary>
    private sealed class Arrivals : IPublishObserver
    {
        public ConcurrentDictionary<string, long> Sent { get; private set; } = new();
        public ConcurrentDictionary<string, long> Received { get; private set; } = new();
        public int Failures;

        public void Reset()
        {
            Sent = new();
            Received = new();
            Failures = 0;
        }

        public async Task WaitAsync(int count, CancellationToken cancellationToken)
        {
            while (Received.Count + Volatile.Read(ref Failures) < count)
                await Task.Delay(2, cancellationToken);
        }

        public Task PostPublish<T>(PublishContext<T> context)
            where T : class
        {
            switch (context.Message)
            {
                case PreAnnotationCompleted completed:
                    Received[completed.RequestId] = Stopwatch.GetTimestamp();
                    break;
                case PreAnnotationFailed failed:
                    Console.Error.WriteLine($"{failed.RequestId}: {failed.Code} {failed.Reason}");
                    Interlocked.Increment(ref Failures);
                    break;
            }
            return Task.CompletedTask;
        }

        public Task PrePublish<T>(PublishContext<T> context)
            where T : class => Task.CompletedTask;

        public Task PublishFault<T>(PublishContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;
    }
}
