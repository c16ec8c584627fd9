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

namespace SegLoop.Benchmarks;

/// <summary>
/// End-to-end pre-annotation (PNG images in a local folder store -> PreAnnotationRequested on the in-memory bus ->
/// batched Inference -> PreAnnotationCompleted received) against the bare model run on the same crops in batches of
/// the same size and as many at once, in the same process and run; for the project's test model (rembg preprocessing, 320 x 320) and
/// for GrabCut. Args: [--images N] (default 240) [--hidden H] (test model hidden channels, default 8) [--only onnx|grabcut].
/// </summary>
public sealed class InferenceThroughputBenchmark : IBenchmark
{
    private const int PromptsPerImage = 2;
    private const int MaxBatch = 32;

    public string Name => "inference-throughput";

    public string Description => "pre-annotation end to end (storage -> masks published) vs the bare model on the same crops; p50/p90 latency";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var images = IntArg(args, "--images", 240);
        var hidden = IntArg(args, "--hidden", 8);
        var only = Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length ? args[o + 1] : null;
        var root = Path.Combine(Path.GetTempPath(), "segloop-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new LocalFolderBlobStore(root);
            var registry = new ModelRegistry(store, TimeProvider.System);
            var net = OnnxTestModels.SaliencyNet(hidden);
            var preprocessing = new OnnxPreprocessing { Mode = PreprocessingMode.Rembg, InputSize = 320 };
            await registry.RegisterAsync("saliency", net.Onnx, preprocessing, cancellationToken: cancellationToken);
            await registry.PromoteAsync("saliency", "v1", cancellationToken);
            var requests = await WriteImagesAsync(store, images, cancellationToken);
            Console.WriteLine($"{images} images 256x192 in a local folder store, {PromptsPerImage} box prompts each, in-memory bus, " +
                              $"MaxBatch {MaxBatch}, {Environment.ProcessorCount} logical CPUs");
            Console.WriteLine("model                      e2e prompts/s  bare prompts/s  ratio  target  p50 ms  p90 ms  p99 ms  mean batch");

            var rc = 0;
            if (only is null or "onnx")
            {
                // The session options the service would give this model (threads divided among the concurrent batches).
                var sessionOptions = ModelCatalog.SessionOptions(new OnnxModelOptions(), new BatchingOptions().MaxConcurrentBatches);
                using var model = OnnxModel.FromBytes(net.Onnx, sessionOptions, name: "saliency");
                var bare = Bare(new OnnxBackend(model, preprocessing, "saliency", "v1"), store, requests, cancellationToken);
                rc |= await EndToEndAsync($"saliency-net(hidden={hidden})", "saliency", root, store, requests, bare, cancellationToken);
            }
            if (only is null or "grabcut")
            {
                var grabCutBare = Bare(new GrabCutBackend(iterations: 5, clickRadius: 3), store, requests, cancellationToken);
                rc |= await EndToEndAsync("grabcut (5 iterations)", null, root, store, requests, grabCutBare, cancellationToken);
            }
            return rc;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Synthetic 256x192 images with two dark-red boxes each, and one request per image (shared with inference-stages).</summary>
    internal static async Task<List<PreAnnotationRequested>> WriteImagesAsync(IBlobStore store, int count, CancellationToken cancellationToken)
    {
        var random = new Random(7);
        var requests = new List<PreAnnotationRequested>();
        for (var i = 0; i < count; i++)
        {
            const int width = 256, height = 192;
            var pixels = new byte[width * height * 3];
            random.NextBytes(pixels);
            var boxes = new[] { new Rect(20 + (i % 17), 30, 90, 80), new Rect(140, 40 + (i % 13), 80, 100) };
            foreach (var b in boxes)
            {
                for (var y = b.Y; y < b.Bottom; y++)
                {
                    for (var x = b.X; x < b.Right; x++)
                    {
                        var p = ((y * width) + x) * 3;
                        pixels[p] = (byte)(pixels[p] / 4);
                        pixels[p + 1] = (byte)(pixels[p + 1] / 4);
                        pixels[p + 2] = (byte)(192 + (pixels[p + 2] / 4));
                    }
                }
            }
            using var image = Image.FromPixels(width, height, 3, pixels);
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

    /// <summary>
    /// The bare model: the same crops, cut and staged as model input beforehand (for the ONNX model: resampled and
    /// normalised into batch tensors), run in batches of MaxBatch, as many at once as the service runs; prompts/s of the
    /// runs alone.
    /// </summary>
    private static (double PromptsPerSecond, double CpuMsPerPrompt) Bare(CropBackend backend, IBlobStore store, List<PreAnnotationRequested> requests, CancellationToken cancellationToken)
    {
        var crops = new List<CropInput>();
        var staged = new List<StagedBatch>();
        try
        {
            foreach (var request in requests)
            {
                using var image = ImageCodec.Decode(store.GetBytesAsync(request.ImageKey, cancellationToken).GetAwaiter().GetResult());
                foreach (var prompt in PromptGeometry.PrepareAll(request.Prompts, image.Width, image.Height, PromptGeometry.DefaultPadding))
                    crops.Add(backend.Prepare(image, prompt));
            }
            var groups = crops.GroupBy(c => c.GroupKey).Select(g => g.ToList()).ToList();
            // Warm up once, then time every crop once.
            backend.Run(groups[0].Take(MaxBatch).ToList(), cancellationToken);
            staged.AddRange(groups.SelectMany(g => g.Chunk(MaxBatch)).Select(backend.Stage));
            // As many batches at once as the service runs (Inference:Batching:MaxConcurrentBatches, default 2).
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            Parallel.ForEach(staged, new ParallelOptions { MaxDegreeOfParallelism = new BatchingOptions().MaxConcurrentBatches, CancellationToken = cancellationToken },
                batch => backend.Run(batch, cancellationToken));
            return (crops.Count / watch.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / crops.Count);
        }
        finally
        {
            foreach (var batch in staged)
                batch.Dispose();
            foreach (var crop in crops)
                crop.Dispose();
        }
    }

    private static async Task<int> EndToEndAsync(string label, string? model, string root, IBlobStore store,
        List<PreAnnotationRequested> requests, (double PromptsPerSecond, double CpuMsPerPrompt) bare, CancellationToken cancellationToken)
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
        builder.Services.AddSingleton<Arrivals>();
        builder.Services.AddInference(builder.Configuration);
        builder.AddSegLoopBus(bus =>
        {
            bus.AddInferenceConsumers();
            bus.AddConsumer<ArrivalConsumer>();
            bus.AddConsumer<FailureConsumer>();
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        var publish = host.Services.GetRequiredService<IPublishEndpoint>();
        var arrivals = host.Services.GetRequiredService<Arrivals>();

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
                coldRate = requests.Count * PromptsPerImage / pass.Elapsed.TotalSeconds;
            warmPasses++;
            if ((System.Runtime.JitInfo.GetCompilationTime() - jitBefore) < pass.Elapsed * 0.02 || warmPasses == 8)
                break;
        }
        Console.Error.WriteLine($"  {label}: warm after {warmPasses} passes, timing one");
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

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var gc0 = GC.GetTotalAllocatedBytes();
        var jit0 = System.Runtime.JitInfo.GetCompilationTime();
        var watch = Stopwatch.StartNew();
        foreach (var r in requests)
        {
            arrivals.Sent[r.RequestId] = Stopwatch.GetTimestamp();
            await publish.Publish(r, cancellationToken);
        }
        await arrivals.WaitAsync(requests.Count, cancellationToken);
        var elapsed = watch.Elapsed.TotalSeconds;
        var cpuPerPrompt = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / (requests.Count * PromptsPerImage);
        var allocated = (GC.GetTotalAllocatedBytes() - gc0) / (double)(requests.Count * PromptsPerImage);
        var jit = System.Runtime.JitInfo.GetCompilationTime() - jit0;
        await host.StopAsync(CancellationToken.None);

        var latencies = arrivals.Received.Select(kv => Stopwatch.GetElapsedTime(arrivals.Sent[kv.Key], kv.Value).TotalMilliseconds).Order().ToList();
        var e2e = requests.Count * PromptsPerImage / elapsed;
        var ratio = e2e / bare.PromptsPerSecond;
        var failures = arrivals.Failures;
        listener.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-26} {e2e,13:F1}  {bare.PromptsPerSecond,14:F1}  {ratio,5:F2}  {(ratio >= 0.85 ? "met" : "MISSED"),6}  {Percentile(latencies, 0.5),6:F1}  {Percentile(latencies, 0.9),6:F1}  {Percentile(latencies, 0.99),6:F1}  " +
            $"{(batches.Count == 0 ? 0 : batches.Average()),10:F1}  " +
            $"{(failures == 0 ? "" : $"({failures} failed!)")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  CPU per prompt: e2e {cpuPerPrompt:F2} core-ms, bare {bare.CpuMsPerPrompt:F2}; allocated {allocated / 1024:F0} KiB/prompt; " +
            $"JIT in the timed pass {jit.TotalMilliseconds:F0} ms after {warmPasses} warm-up passes (the first, JIT still busy: {coldRate:F1} prompts/s)"));
        return failures == 0 ? 0 : 1;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal sealed class Arrivals
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
    }

    internal sealed class ArrivalConsumer(Arrivals arrivals) : IConsumer<PreAnnotationCompleted>
    {
        public Task Consume(ConsumeContext<PreAnnotationCompleted> context)
        {
            arrivals.Received[context.Message.RequestId] = Stopwatch.GetTimestamp();
            return Task.CompletedTask;
        }
    }

    internal sealed class FailureConsumer(Arrivals arrivals) : IConsumer<PreAnnotationFailed>
    {
        public Task Consume(ConsumeContext<PreAnnotationFailed> context)
        {
            Console.Error.WriteLine($"{context.Message.RequestId}: {context.Message.Code} {context.Message.Reason}");
            Interlocked.Increment(ref arrivals.Failures);
            return Task.CompletedTask;
        }
    }
}
