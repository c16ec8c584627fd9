using OpenCvSharp;

namespace SegLoop.Vision.Tests;

/// <summary>Alone in its collection: it compares this thread's CPU time with the whole process's.</summary>
[CollectionDefinition(nameof(OpenCvThreadsTests), DisableParallelization = true)]
public sealed class OpenCvThreadsCollection;

[Collection(nameof(OpenCvThreadsTests))]
public sealed class OpenCvThreadsTests
{
    [Fact]
    public void OpenCv_OnceVisionIsUsed_RunsEachCallOnItsCallersThread()
    {
        using var image = Image.FromPixels(1500, 1500, 3, new byte[1500 * 1500 * 3]); // first use sets the thread count
        Assert.Equal(1, Cv2.GetNumThreads());

        // A resize is split by OpenCV's parallel_for_ into stripes for its pool; on the caller's thread alone, the CPU
        // time the process spends is this thread's (with a pool of two threads on two cores this thread did 51 %).
        // Other threads of the test host (GC, a finished test's timers) can take a share of any one measurement, so
        // the best of three counts: with a pool every measurement stays near half.
        var shares = new List<double>();
        for (var attempt = 0; attempt < 3 && (shares.Count == 0 || shares.Max() <= 0.75); attempt++)
        {
            shares.Add(CallersShareOfResizeWork(image));
        }
        Assert.True(shares.Max() > 0.75, $"the calling thread did at most {shares.Max():P0} of the process's CPU work ({string.Join(", ", shares.Select(s => s.ToString("P0")))})");
    }

    private static double CallersShareOfResizeWork(Image image)
    {
        var (threadBefore, processBefore) = CpuTicks();
        for (var i = 0; i < 4; i++)
        {
            using var large = image.Resize(4000, 4000, Interpolation.Lanczos4);
        }
        var (threadAfter, processAfter) = CpuTicks();
        Assert.True(processAfter - processBefore >= 20, $"too little work to measure: {processAfter - processBefore} ticks");
        return (double)(threadAfter - threadBefore) / (processAfter - processBefore);
    }

    /// <summary>utime + stime, in clock ticks, of the calling OS thread and of the process (/proc stat lines).</summary>
    private static (long Thread, long Process) CpuTicks()
    {
        static long Read(string path)
        {
            var stat = File.ReadAllText(path);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }
        return (Read("/proc/thread-self/stat"), Read("/proc/self/stat"));
    }
}
