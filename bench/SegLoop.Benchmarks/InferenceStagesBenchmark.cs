using System.Diagnostics;
using System.Globalization;
using SegLoop.Contracts;
using SegLoop.Inference;
using SegLoop.Inference.Backends;
using SegLoop.ModelRuntime;
using SegLoop.Storage;
using SegLoop.Storage.Local;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Benchmarks;

/// <summary>
/// Where one pre-annotation request's time goes, stage by stage, single-threaded, on inference-throughput's images
/// and test model: CPU microseconds per prompt for each step PreAnnotationService takes. Args: [--images N] [--hidden H].
/// </summary>
public sealed class InferenceStagesBenchmark : IBenchmark
{
    private const int MaxBatch = 32;

    public string Name => "inference-stages";

    public string Description => "per-stage cost (us per prompt, one thread) of a pre-annotation request with the test model";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var images = BenchArgs.Int(args, "--images", 240);
        var hidden = BenchArgs.Int(args, "--hidden", 8, min: 0);
        var root = Path.Combine(Path.GetTempPath(), "segloop-stages-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new LocalFolderBlobStore(root);
            var requests = await InferenceThroughputBenchmark.WriteImagesAsync(store, images, cancellationToken);

            var net = OnnxTestModels.SaliencyNet(hidden);
            var preprocessing = new OnnxPreprocessing { Mode = PreprocessingMode.Rembg, InputSize = 320 };
            // One intra-op thread, so every stage, the model included, is measured on one thread.
            using var model = OnnxModel.FromBytes(net.Onnx, new OnnxModelOptions { IntraOpThreads = 1 }, name: "saliency");
            var backend = new OnnxBackend(model, preprocessing, "saliency", "v1");
            var stages = new Dictionary<string, long>();
            void Add(string stage, long start) => stages[stage] = stages.GetValueOrDefault(stage) + (Stopwatch.GetTimestamp() - start);

            for (var round = 0; round < 2; round++) // round 0 warms up (JIT, ORT arenas)
            {
                stages.Clear();
                var prompts = 0;
                foreach (var chunk in requests.Chunk(MaxBatch / 2))
                {
                    var work = new List<(PreAnnotationRequested Request, Image Image, IReadOnlyList<PreparedPrompt> Prepared, List<CropInput> Inputs)>();
                    foreach (var request in chunk)
                    {
                        var t = Stopwatch.GetTimestamp();
                        Image image;
                        using (var bytes = await store.RentBytesAsync(request.ImageKey, cancellationToken))
                        {
                            Add("1 read image from storage", t);
                            t = Stopwatch.GetTimestamp();
                            image = ImageCodec.Decode(bytes.Span);
                            Add("2 decode", t);
                        }
                        t = Stopwatch.GetTimestamp();
                        var prepared = PromptGeometry.PrepareAll(request.Prompts, image.Width, image.Height, PromptGeometry.DefaultPadding);
                        Add("3 prompt geometry", t);
                        t = Stopwatch.GetTimestamp();
                        var inputs = prepared.Select(p => backend.Prepare(image, p)).ToList();
                        Add("4 crop", t);
                        work.Add((request, image, prepared, inputs));
                        prompts += prepared.Count;
                    }
                    var t2 = Stopwatch.GetTimestamp();
                    using var staged = backend.Stage(work.SelectMany(w => w.Inputs).ToList());
                    Add("5 stage (resample, tensor fill)", t2);
                    t2 = Stopwatch.GetTimestamp();
                    var outputs = backend.Run(staged, cancellationToken);
                    Add("6 model run + rescale/resize back (batch 32)", t2);
                    var o = 0;
                    foreach (var (request, image, prepared, inputs) in work)
                    {
                        var t = Stopwatch.GetTimestamp();
                        var segmentations = prepared.Select(p => MaskPostprocessor.Finish(p, outputs[o++], request.Threshold, image.Width, image.Height)).ToList();
                        Add("7 postprocess (threshold, components, holes, paste)", t);
                        t = Stopwatch.GetTimestamp();
                        var masks = segmentations.Select((s, i) => PreAnnotationService.ToPromptMask(i, null, s)).ToList();
                        Add("8 RLE + polygons", t);
                        t = Stopwatch.GetTimestamp();
                        var results = masks.Select(m => new CocoResult(request.ImageKey, m.Label, m.Rle, [m.Box.X, m.Box.Y, m.Box.Width, m.Box.Height], m.Score)).ToList();
                        await store.PutJsonAsync(PreAnnotationService.ResultsKey(request.RequestId), results, cancellationToken: cancellationToken);
                        Add("9 write COCO results JSON", t);
                        foreach (var input in inputs)
                            input.Dispose();
                        image.Dispose();
                    }
                }
                if (round == 0)
                    continue;
                Console.WriteLine($"{images} images, {prompts} prompts, test model hidden={hidden}, one thread; us per prompt:");
                var total = stages.Values.Sum();
                foreach (var (stage, ticks) in stages.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stage,-52} {ticks * 1e6 / Stopwatch.Frequency / prompts,9:F1}  {100.0 * ticks / total,5:F1} %"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-52} {total * 1e6 / Stopwatch.Frequency / prompts,9:F1}"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
