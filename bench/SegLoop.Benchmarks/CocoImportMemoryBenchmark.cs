using System.Diagnostics;
using System.Globalization;
using SegLoop.Importers;
using SegLoop.Ingest;

namespace SegLoop.Benchmarks;

/// <summary>
/// Issue 20 memory target: a COCO import holds one task at a time, so peak memory is flat with the number of
/// annotations (train2017 has 860k): peak(200k) below 2x peak(20k). Streams every task of the file through
/// <see cref="CocoImporter.Open"/> (building each request in full, then dropping it) and prints the process's peak
/// resident set (VmHWM), the peak managed heap sampled every 5 ms and after each task, and the time. Run once per
/// file, each in its own process, so the peaks are the file's own.
/// args: annotations.json [images folder]
/// </summary>
public sealed class CocoImportMemoryBenchmark : IBenchmark
{
    public string Name => "coco-import-memory";

    public string Description => "Stream a COCO file's tasks: peak memory vs annotation count (target peak(200k) < 2x peak(20k))";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args.Length < 1)
            throw new BenchArgumentException("usage: coco-import-memory annotations.json [images-folder]");
        var file = args[0];
        var images = new FolderImageSource(args.Length > 1 ? args[1] : Path.GetDirectoryName(Path.GetFullPath(file))!);
        long peakHeap = 0;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var tasks = new CocoImporter(file, images).Open(new ImportTarget("bench", "coco", "everyday"), cancellationToken);
        var firstPass = clock.Elapsed;
        long instances = 0;
        await foreach (var request in tasks.Requests.WithCancellation(cancellationToken))
        {
            instances += request.Payload.Instances?.Count ?? 0;
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
        }
        var total = clock.Elapsed;
        await sampling.CancelAsync();
        await sampler;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(file)}: {tasks.Count} tasks, {instances} instances; first pass {firstPass.TotalSeconds:F1} s, all {total.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak managed heap {peakHeap / 1048576.0:F1} MiB, peak resident set (VmHWM) {PeakResidentMiB():F1} MiB, file {new FileInfo(file).Length / 1048576.0:F1} MiB"));
        return 0;
    }

    private static double PeakResidentMiB()
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
            return double.NaN;
        var line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
