using System.Diagnostics;
using System.Globalization;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Benchmarks;

/// <summary>
/// Issue 5 memory target: an 8000 x 6000 JPEG with 200 instances (random polygons, some large, some at the borders)
/// cropped by CropBuilder; peak memory above the baseline (inputs ready, nothing decoded) must stay below 3x the
/// decoded image (W x H x 3 bytes). Peak resident set from the kernel (VmHWM, reset via /proc/self/clear_refs just
/// before the run) and from a 2 ms sampler of the working set; managed allocations from GC.GetTotalAllocatedBytes.
/// args: [width=8000] [height=6000] [instances=200]
/// </summary>
public sealed class CropMemoryBenchmark : IBenchmark
{
    public string Name => "crop-memory";

    public string Description => "8000x6000 image, 200 instances: CropBuilder peak memory vs the decoded image size (target < 3x)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var width = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8000;
        var height = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 6000;
        var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var store = new BenchBlobStore();
        var message = await MakeInputAsync(store, width, height, count, cancellationToken);
        long decoded = (long)width * height * 3;

        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var self = Process.GetCurrentProcess();
        self.Refresh();
        var baseline = self.WorkingSet64;
        var resetPeak = TryResetPeak();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var sampledPeak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var p = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                p.Refresh();
                sampledPeak = Math.Max(sampledPeak, p.WorkingSet64);
                await Task.Delay(2, CancellationToken.None);
            }
        }, CancellationToken.None);

        var stopwatch = Stopwatch.StartNew();
        var emitted = await CropBench.Cropper(store).CropAsync(message, cancellationToken);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var kernelPeak = resetPeak ? ReadHwm() : -1;

        var sampledRatio = (double)(sampledPeak - baseline) / decoded;
        var kernelRatio = kernelPeak > 0 ? (double)(kernelPeak - baseline) / decoded : double.NaN;
        var ratio = double.IsNaN(kernelRatio) ? sampledRatio : Math.Max(kernelRatio, sampledRatio);
        static string Mb(long b) => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
        Console.WriteLine($"image {width}x{height}, decoded {Mb(decoded)}; {count} instances -> {emitted.CropKeys.Count} crops, skipped {string.Join(", ", emitted.SkippedCounts.Select(kv => $"{kv.Key} {kv.Value}"))}; {seconds:F2} s");
        Console.WriteLine($"baseline working set (inputs in memory, nothing decoded): {Mb(baseline)}");
        Console.WriteLine($"peak working set, sampled every 2 ms:  {Mb(sampledPeak)}  (+{Mb(sampledPeak - baseline)} = {sampledRatio:F2}x decoded)");
        Console.WriteLine(kernelPeak > 0
            ? $"peak resident set, kernel VmHWM:        {Mb(kernelPeak)}  (+{Mb(kernelPeak - baseline)} = {kernelRatio:F2}x decoded)"
            : "peak resident set, kernel VmHWM:        unavailable (could not reset /proc/self/clear_refs)");
        Console.WriteLine($"managed bytes allocated during the run: {Mb(allocated)} ({(double)allocated / decoded:F2}x decoded; short-lived, mostly encoded crops)");
        Console.WriteLine($"crop output written: {Mb(store.OutputBytes)} in {store.OutputObjects} objects");
        Console.WriteLine(FormattableString.Invariant($"ratio peak/decoded: {ratio:F2} (target < 3) {(ratio < 3 ? "OK" : "ABOVE TARGET")}"));
        return ratio < 3 ? 0 : 1;
    }

    private static async Task<AnnotationNormalized> MakeInputAsync(IBlobStore store, int width, int height, int count, CancellationToken cancellationToken)
    {
        var random = new Random(5); // synthetic benchmark input only
        byte[] jpeg;
        {
            var pixels = new byte[(long)width * height * 3];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var i = (((long)y * width) + x) * 3;
                    pixels[i] = (byte)(x * 255 / width);
                    pixels[i + 1] = (byte)(y * 255 / height);
                    pixels[i + 2] = (byte)(((x / 64) + (y / 64)) % 2 == 0 ? 200 : 60);
                }
            }
            using var image = Image.FromPixels(width, height, 3, pixels);
            jpeg = image.EncodeJpeg(90);
        }
        var instances = new List<AnnotationInstance>();
        for (var n = 0; n < count; n++)
        {
            // Sizes from 20 px to a third of the image; every tenth one straddles a border.
            var radius = 10 + (random.NextDouble() * random.NextDouble() * Math.Min(width, height) / 3);
            var cx = n % 10 == 0 ? (random.Next(2) == 0 ? 0 : width - 1) : random.Next(width);
            var cy = random.Next(height);
            var points = 24;
            var polygon = new double[points * 2];
            for (var p = 0; p < points; p++)
            {
                var angle = 2 * Math.PI * p / points;
                var r = radius * (0.55 + (0.45 * random.NextDouble()));
                polygon[2 * p] = Math.Clamp(cx + (r * Math.Cos(angle)), 0, width);
                polygon[(2 * p) + 1] = Math.Clamp(cy + (r * Math.Sin(angle)), 0, height);
            }
            var rle = RleMask.FromPolygons([polygon], height, width);
            var box = rle.Bbox;
            instances.Add(new AnnotationInstance
            {
                Id = n.ToString(CultureInfo.InvariantCulture), ClassName = $"class{n % 7}", Rle = rle.ToContract(), Area = rle.Area,
                Bbox = new BoundingBox(box.X, box.Y, box.Width, box.Height),
            });
        }
        var document = new AnnotationDocument
        {
            ImageKey = "images/bench/big/task.jpg", Width = width, Height = height, TaxonomyVersion = CropBench.TaxonomyVersion,
            Provenance = new Provenance { Customer = "bench", Project = "big", Domain = "synthetic", SourceFormat = "synthetic", TaskId = "task" },
            Instances = instances,
        };
        await store.PutBytesAsync(document.ImageKey, jpeg, "image/jpeg", cancellationToken);
        await store.PutJsonAsync("annotations/normalized/bench/task.json", document, cancellationToken: cancellationToken);
        return new AnnotationNormalized
        {
            TaskId = "task", Customer = "bench", Project = "big", Domain = "synthetic", ImageKey = document.ImageKey,
            DocumentKey = "annotations/normalized/bench/task.json", TaxonomyVersion = CropBench.TaxonomyVersion,
            KeptCount = count, DroppedCounts = new Dictionary<string, int>(),
        };
    }

    // Writing 5 to clear_refs resets the peak resident set (VmHWM) to the current one (Linux 4.0+).
    private static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ReadHwm()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        return -1;
    }
}
