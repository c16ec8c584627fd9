using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Backends.Refiner;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage.Local;
using SegLoop.Vision;

namespace SegLoop.Benchmarks;

/// <summary>
/// What the refiner adds per prompt: the promoted refiner of a store (--data DIR, --name refiner) against its base model
/// alone, run as the refiner runs it (IS-Net at the refiner's input side, or GrabCut), on coco-mini's first --prompts
/// boxes, one prompt per call, after one warm-up pass. Prints ms per prompt and the ratio refiner / base.
/// </summary>
public sealed class RefinerCostBenchmark : IBenchmark
{
    public string Name => "refiner-cost";

    public string Description => "ms per prompt of the promoted refiner against its base model alone (--data DIR [--prompts N])";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var data = BenchArgs.String(args, "--data", "segloop-data");
        var name = BenchArgs.String(args, "--name", "refiner");
        var count = BenchArgs.Int(args, "--prompts", 20);
        var registry = new ModelRegistry(new LocalFolderBlobStore(data), TimeProvider.System);
        var promoted = await registry.GetPromotedAsync(name, cancellationToken)
            ?? throw new BenchArgumentException($"{data} has no promoted {name}; run segloop train refiner --data {data} first.");
        var metadata = await registry.GetMetadataAsync(name, promoted.Version, cancellationToken);
        var settings = RefinerSettings.FromJson(metadata.Settings, name);
        var context = new ModelLoadContext(registry, new OnnxModelOptions(), settings.GrabCutIterations, 3, NullLogger.Instance);
        using var refiner = await Segmenters.FromRegistryAsync(registry, name, promoted.Version, cancellationToken: cancellationToken);
        var (baseBackend, owned) = await RefinerModelKind.LoadBaseAsync(settings, context, cancellationToken);
        using var baseModel = owned;
        var alone = baseBackend is null ? Segmenters.GrabCut(settings.GrabCutIterations) : Segmenters.Inline(baseBackend);

        var prompts = Prompts(count);
        double Measure(ISegmenter segmenter)
        {
            for (var round = 0; ; round++)
            {
                var clock = Stopwatch.StartNew();
                foreach (var (path, box) in prompts)
                {
                    using var image = ImageCodec.Decode(File.ReadAllBytes(path));
                    segmenter.SegmentAsync(image, [new Prompt { Box = box }], 0.5, cancellationToken).GetAwaiter().GetResult();
                }
                if (round == 1)
                    return clock.Elapsed.TotalMilliseconds / prompts.Count;
            }
        }
        var baseMs = Measure(alone);
        var refinerMs = Measure(refiner);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{prompts.Count} coco-mini prompts, one per call; base {settings.BaseModel} (input {settings.BaseInputSize?.ToString(inv) ?? "as registered"}), working frame {settings.WorkingSize} px"));
        Console.WriteLine(string.Create(inv, $"base alone      {baseMs,9:0.0} ms per prompt"));
        Console.WriteLine(string.Create(inv, $"refiner {promoted.Version,-7} {refinerMs,9:0.0} ms per prompt  (+{refinerMs - baseMs:0.0} ms)"));
        Console.WriteLine(string.Create(inv, $"ratio refiner / base alone: {refinerMs / baseMs:0.00}"));
        return 0;
    }

    private static List<(string Path, BoundingBox Box)> Prompts(int count)
    {
        // scripts/bench.sh runs from the repository root, beside ../shared.
        var root = Path.GetFullPath("../shared/data/coco-mini");
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "annotations", "instances_train2017.json")));
        var files = json.RootElement.GetProperty("images").EnumerateArray()
            .ToDictionary(i => i.GetProperty("id").GetInt64(), i => Path.Combine(root, "train2017", i.GetProperty("file_name").GetString()!));
        return json.RootElement.GetProperty("annotations").EnumerateArray()
            .Where(a => a.GetProperty("iscrowd").GetInt32() == 0)
            .Select(a => (Image: a.GetProperty("image_id").GetInt64(), Box: a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray()))
            .Where(a => a.Box[2] >= 8 && a.Box[3] >= 8)
            .Take(count)
            .Select(a => (files[a.Image], new BoundingBox(a.Box[0], a.Box[1], a.Box[2], a.Box[3])))
            .ToList();
    }
}
