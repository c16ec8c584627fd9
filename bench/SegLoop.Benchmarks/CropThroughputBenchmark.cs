using System.Diagnostics;
using System.Globalization;
using SegLoop.Contracts;
using SegLoop.CropBuilder;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.Benchmarks;

/// <summary>
/// Issue 5: crops per second per core on coco-mini. CropBuilder (read the document, decode the image once, per
/// instance: RLE box, centre pixel, seeded padding, crop + JPEG, window-decoded mask + PNG, manifest) against the plain
/// loop of the vision-crop benchmark (decode JPEG -> Image.Crop -> encode) cutting the SAME windows to JPEG, in the same
/// run, single-threaded, rounds alternating. Per-core rate = crops per CPU-second of this process.
/// args: [rounds=5] [--keep DIR: also write CropBuilder's output (crops, masks, manifests, inputs) to a local store folder]
/// </summary>
public sealed class CropThroughputBenchmark : IBenchmark
{
    public string Name => "crop-throughput";

    public string Description => "coco-mini crops/s per core: CropBuilder vs the plain decode -> crop -> encode loop (same windows)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var keep = Array.IndexOf(args, "--keep") is var k and >= 0 && k + 1 < args.Length ? args[k + 1] : null;
        var positional = args.Where((a, i) => a != "--keep" && (i == 0 || args[i - 1] != "--keep")).ToArray();
        var rounds = positional.Length > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 5;
        var options = new CropBuilderOptions();

        if (keep is not null)
        {
            var kept = new BenchBlobStore(keep);
            var cropper = CropBench.Cropper(kept, options);
            foreach (var m in await CropBench.StoreCocoMiniAsync(kept, cancellationToken))
                await cropper.CropAsync(m, cancellationToken);
            Console.WriteLine($"kept CropBuilder output in local store folder {Path.GetFullPath(keep)}");
        }

        var store = new BenchBlobStore();
        var messages = await CropBench.StoreCocoMiniAsync(store, cancellationToken);
        var ours = CropBench.Cropper(store, options);
        // The windows CropBuilder cuts, per image, so the plain loop does the same crops.
        var windows = new List<(byte[] Jpeg, Rect[] Windows)>();
        foreach (var m in messages)
        {
            var rows = await CropRowsAsync(ours, store, m, cancellationToken);
            windows.Add((await store.GetBytesAsync(m.ImageKey, cancellationToken), rows.Select(r => r.Window.ToRect()).ToArray()));
        }
        var crops = windows.Sum(w => w.Windows.Length);
        Console.WriteLine($"images={messages.Count} crops={crops} (non-crowd, >= {options.MinArea} px and {options.MinSide} px a side) rounds={rounds} jpeg_quality={options.JpegQuality} png_compression={options.PngCompression}");

        var self = Process.GetCurrentProcess();
        double bestOurs = 0, bestPlain = 0, bestOursWall = 0, bestPlainWall = 0, bestVision = 0;
        var ratios = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var (oursCpu, oursWall) = await MeasureAsync(self, async () =>
            {
                foreach (var m in messages)
                    await ours.CropAsync(m, cancellationToken);
            });
            var (plainCpu, plainWall) = await MeasureAsync(self, () =>
            {
                foreach (var (jpeg, ws) in windows)
                {
                    using var image = ImageCodec.Decode(jpeg);
                    foreach (var w in ws)
                    {
                        using var crop = image.Crop(w, options.PadValue);
                        _ = crop.EncodeJpeg(options.JpegQuality);
                    }
                }
                return Task.CompletedTask;
            });
            // vision-crop's own managed loop (decode -> central half -> PNG), images/s, for reference.
            var (visionCpu, _) = await MeasureAsync(self, () =>
            {
                foreach (var (jpeg, _) in windows)
                {
                    using var image = ImageCodec.Decode(jpeg);
                    using var crop = image.Crop(new Rect(image.Width / 4, image.Height / 4, image.Width / 2, image.Height / 2));
                    _ = crop.EncodePng(1);
                }
                return Task.CompletedTask;
            });
            var o = crops / oursCpu;
            var p = crops / plainCpu;
            ratios.Add(o / p);
            bestOurs = Math.Max(bestOurs, o);
            bestPlain = Math.Max(bestPlain, p);
            bestOursWall = Math.Max(bestOursWall, crops / oursWall);
            bestPlainWall = Math.Max(bestPlainWall, crops / plainWall);
            bestVision = Math.Max(bestVision, windows.Count / visionCpu);
            Console.WriteLine(FormattableString.Invariant(
                $"round {round}: cropbuilder {o,7:F1} crops/cpu-s ({crops / oursWall,7:F1}/s wall)  plain loop {p,7:F1} crops/cpu-s ({crops / plainWall,7:F1}/s wall)  ratio {o / p:F3}"));
        }
        var ratio = bestOurs / bestPlain;
        Console.WriteLine("best round, crops per second per core (CPU-seconds of this process) | wall clock:");
        Console.WriteLine(FormattableString.Invariant($"  CropBuilder (crop + mask + manifest)        {bestOurs,8:F1} | {bestOursWall,8:F1}"));
        Console.WriteLine(FormattableString.Invariant($"  plain decode -> crop -> JPEG (same windows) {bestPlain,8:F1} | {bestPlainWall,8:F1}"));
        Console.WriteLine(FormattableString.Invariant($"  vision-crop loop (central half -> PNG)      {bestVision,8:F1} images/cpu-s (reference)"));
        Console.WriteLine(FormattableString.Invariant(
            $"ratio CropBuilder/plain: {ratio:F3} (target >= 0.7) {(ratio >= 0.7 ? "OK" : "BELOW TARGET")}; median per-round {ratios.Order().ElementAt(ratios.Count / 2):F3}"));
        Console.WriteLine($"output per run: {store.OutputObjects / (rounds + 1)} objects");
        return 0;
    }

    private static async Task<IReadOnlyList<CropManifestRow>> CropRowsAsync(ImageCropper cropper, BenchBlobStore store, AnnotationNormalized message, CancellationToken cancellationToken)
    {
        var document = await store.GetJsonAsync<SegLoop.Annotations.AnnotationDocument>(message.DocumentKey, cancellationToken: cancellationToken);
        return (await cropper.CropDocumentAsync(document, message.TaxonomyVersion, message.Domain, cancellationToken)).Rows;
    }

    private static async Task<(double Cpu, double Wall)> MeasureAsync(Process self, Func<Task> work)
    {
        GC.Collect();
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await work();
        var wall = stopwatch.Elapsed.TotalSeconds;
        self.Refresh();
        return ((self.TotalProcessorTime - cpu).TotalSeconds, wall);
    }
}
