using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using SegLoop.Vision;
using SegLoop.Vision.Codecs;
using Rect = SegLoop.Vision.Rect;

namespace SegLoop.Benchmarks;

/// <summary>
/// Issue 3, benchmark (a): per coco-mini JPEG, decode -> copy the central half -> encode PNG, through SegLoop.Vision,
/// against bench/native/build/crop_bench doing the same with OpenCV directly (cv::imdecode, Mat::clone, cv::imencode;
/// Debian's OpenCV, built by scripts/bench.sh), in the same run. A third loop calls OpenCvSharp's Cv2 bare in this
/// process (no header, truncation or scan checks), which isolates what SegLoop.Vision's own checks cost.
/// Single-threaded everywhere; files are read into memory first. Rounds alternate the three so
/// they share the machine's noise; the best round of each is compared, by wall clock and by process CPU time.
/// Short rounds keep neighbours close in time on a shared machine; the median of the per-round ratios is printed too.
/// args: [rounds=8] [warmup=1] [passes=2] [pngCompression=1]
/// </summary>
public sealed class VisionCropBenchmark : IBenchmark
{
    public string Name => "vision-crop";

    public string Description => "decode JPEG -> centre crop -> encode PNG: SegLoop.Vision vs OpenCV in C++ (images/s)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rounds = Arg(args, 0, 8);
        var warmup = Arg(args, 1, 1);
        var passes = Arg(args, 2, 2);
        var compression = Arg(args, 3, 1);
        var root = RepoRoot();
        var imageDir = Environment.GetEnvironmentVariable("SEGLOOP_SHARED_DATA") is { Length: > 0 } shared
            ? Path.Combine(shared, "coco-mini", "train2017")
            : Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "coco-mini", "train2017"));
        var nativeBench = Path.Combine(root, "bench", "native", "build", "crop_bench");
        if (!File.Exists(nativeBench))
        {
            Console.Error.WriteLine($"{nativeBench} not found: run ./scripts/bench.sh vision-crop, which builds it");
            return 1;
        }
        var files = Directory.GetFiles(imageDir, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Console.WriteLine($"images={files.Length} dir={imageDir} rounds={rounds} warmup={warmup} passes={passes} png_compression={compression}");

        var best = new Dictionary<string, (double Wall, double Cpu)>
        {
            ["managed"] = (0, 0),
            ["opencv"] = (0, 0),
            ["cv2"] = (0, 0),
        };
        var pngBytes = new Dictionary<string, long>();
        var roundRatios = new List<(double Wall, double Cpu)>();
        var self = Process.GetCurrentProcess();
        for (var round = 1; round <= rounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rates = new Dictionary<string, (double Wall, double Cpu)>
            {
                ["managed"] = Measure(self, files, warmup, passes, () => pngBytes["managed"] = Pass(files, compression)),
                ["cv2"] = Measure(self, files, warmup, passes, () => pngBytes["cv2"] = BarePass(files, compression)),
            };
            var native = await RunNativeAsync(nativeBench, imageDir, warmup, passes, compression, cancellationToken);
            rates["opencv"] = (native.Rate, native.CpuRate);
            pngBytes["opencv"] = native.PngBytes;
            Console.WriteLine(FormattableString.Invariant(
                $"round {round}: managed {rates["managed"].Wall,6:F1}/s (cpu {rates["managed"].Cpu,6:F1})  opencv-c++ {rates["opencv"].Wall,6:F1}/s (cpu {rates["opencv"].Cpu,6:F1})  cv2-c# {rates["cv2"].Wall,6:F1}/s (cpu {rates["cv2"].Cpu,6:F1})"));
            roundRatios.Add((rates["managed"].Wall / rates["opencv"].Wall, rates["managed"].Cpu / rates["opencv"].Cpu));
            foreach (var (key, rate) in rates)
                best[key] = (Math.Max(best[key].Wall, rate.Wall), Math.Max(best[key].Cpu, rate.Cpu));
        }

        Console.WriteLine("best round, images/s (wall clock | per CPU-second):");
        Console.WriteLine(FormattableString.Invariant($"  managed  SegLoop.Vision (C#)           {best["managed"].Wall,7:F1} | {best["managed"].Cpu,7:F1}"));
        Console.WriteLine(FormattableString.Invariant($"  native   OpenCV imdecode/imencode (C++) {best["opencv"].Wall,7:F1} | {best["opencv"].Cpu,7:F1}"));
        Console.WriteLine(FormattableString.Invariant($"  bare     OpenCvSharp Cv2 (C#, no checks)  {best["cv2"].Wall,7:F1} | {best["cv2"].Cpu,7:F1}"));
        var ratio = best["managed"].Wall / best["opencv"].Wall;
        Console.WriteLine(FormattableString.Invariant(
            $"ratio managed/native(OpenCV): {ratio:F3} wall, {best["managed"].Cpu / best["opencv"].Cpu:F3} cpu (target >= 0.8) {(ratio >= 0.8 ? "OK" : "BELOW TARGET")}"));
        Console.WriteLine(FormattableString.Invariant(
            $"median per-round ratio managed/native(OpenCV): {Median(roundRatios.Select(r => r.Wall)):F3} wall, {Median(roundRatios.Select(r => r.Cpu)):F3} cpu"));
        Console.WriteLine(FormattableString.Invariant(
            $"ratio managed/bare(Cv2):      {best["managed"].Wall / best["cv2"].Wall:F3} wall, {best["managed"].Cpu / best["cv2"].Cpu:F3} cpu (cost of SegLoop.Vision's own checks)"));
        PrintCheckCost(self, files);
        var same = pngBytes.Values.Distinct().Count() == 1;
        Console.WriteLine($"png bytes per pass: {string.Join(", ", pngBytes.Select(kv => $"{kv.Key} {kv.Value}"))} {(same ? "(identical)" : "(DIFFERENT: not the same work)")}");
        return same ? 0 : 1;
    }

    private static long Pass(byte[][] files, int compression)
    {
        long bytes = 0;
        foreach (var file in files)
        {
            using var image = ImageCodec.Decode(file);
            using var crop = image.Crop(new Rect(image.Width / 4, image.Height / 4, image.Width / 2, image.Height / 2));
            bytes += crop.EncodePng(compression).Length;
        }
        return bytes;
    }

    private static (double Wall, double Cpu) Measure(Process self, byte[][] files, int warmup, int passes, Action pass)
    {
        for (var i = 0; i < warmup; i++)
            pass();
        self.Refresh();
        var cpuStart = self.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < passes; i++)
            pass();
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuStart).TotalSeconds;
        var images = (double)files.Length * passes;
        return (images / elapsed, images / cpu);
    }

    /// <summary>
    /// What the integrity checks (header, end marker, the Huffman walk of every scan) cost against decoding alone, in
    /// process CPU time (single-threaded work; steadier than the wall clock on a shared machine).
    /// </summary>
    private static void PrintCheckCost(Process self, byte[][] files)
    {
        const int Passes = 10;
        var checks = CpuSeconds(self, () =>
        {
            foreach (var file in files)
                ImageIntegrity.CheckComplete(file, ImageIntegrity.ReadHeader(file));
        }, Passes);
        var decodes = CpuSeconds(self, () =>
        {
            foreach (var file in files)
            {
                using var image = Cv2.ImDecode(file, ImreadModes.Color | ImreadModes.IgnoreOrientation);
            }
        }, Passes);
        var count = (double)files.Length * Passes;
        var megabytes = files.Sum(f => (long)f.Length) * Passes / 1e6;
        Console.WriteLine(FormattableString.Invariant(
            $"jpeg checks (header + end marker + Huffman walk): {1e6 * checks / count:F0} us CPU per image against {1e6 * decodes / count:F0} us for Cv2.ImDecode alone ({checks / decodes:P1}); {megabytes / checks:F0} MB/s"));
    }

    private static double CpuSeconds(Process self, Action pass, int passes)
    {
        pass(); // warm
        self.Refresh();
        var start = self.TotalProcessorTime;
        for (var i = 0; i < passes; i++)
            pass();
        self.Refresh();
        return (self.TotalProcessorTime - start).TotalSeconds;
    }

    /// <summary>The same loop on OpenCvSharp alone, as its samples write it.</summary>
    private static long BarePass(byte[][] files, int compression)
    {
        long bytes = 0;
        foreach (var file in files)
        {
            using var image = Cv2.ImDecode(file, ImreadModes.Color | ImreadModes.IgnoreOrientation);
            using var crop = new Mat(image, new OpenCvSharp.Rect(image.Cols / 4, image.Rows / 4, image.Cols / 2, image.Rows / 2)).Clone();
            Cv2.ImEncode(".png", crop, out var png, new ImageEncodingParam(ImwriteFlags.PngCompression, compression));
            bytes += png.Length;
        }
        return bytes;
    }

    private static async Task<(double Rate, double CpuRate, long PngBytes)> RunNativeAsync(
        string exe, string dir, int warmup, int passes, int compression, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dir, warmup.ToString(CultureInfo.InvariantCulture), passes.ToString(CultureInfo.InvariantCulture), compression.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{exe} exited with {process.ExitCode}: {stderr}");
        var fields = stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        return (double.Parse(fields["images_per_s"], CultureInfo.InvariantCulture),
            double.Parse(fields["cpu_images_per_s"], CultureInfo.InvariantCulture),
            long.Parse(fields["png_bytes"], CultureInfo.InvariantCulture));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegLoop.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("SegLoop.sln not found above " + AppContext.BaseDirectory);
    }
}
