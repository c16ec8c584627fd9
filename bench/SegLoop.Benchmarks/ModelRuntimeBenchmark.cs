using System.Diagnostics;
using System.Globalization;
using SegLoop.ModelRuntime;
using SegLoop.TestModels;

namespace SegLoop.Benchmarks;

/// <summary>
/// The self-built saliency test model at 320 x 320, batch 1, 8 and 32, through the real ONNX Runtime: images/s,
/// and the managed overhead of <see cref="OnnxModel.Run(ReadOnlySpan{TensorInput}, CancellationToken)"/> (tensor
/// creation over pinned managed memory, run options, cancellation registration, output wrapping and the copy of
/// "d0" into a managed array) against the time spent inside the native OrtApi::Run call, measured in the same run.
/// Args: [--hidden N] (hidden channels of the test model, default 0) [--seconds S] (per batch size, default 3).
/// </summary>
public sealed class ModelRuntimeBenchmark : IBenchmark
{
    private const int Size = 320;

    public string Name => "model-runtime";

    public string Description => "test saliency model 320x320 at batch 1/8/32: images/s and managed overhead vs native OrtApi::Run";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var hidden = BenchArgs.Int(args, "--hidden", 0, min: 0);
        var seconds = BenchArgs.Int(args, "--seconds", 3);
        var net = OnnxTestModels.SaliencyNet(hidden);
        using var model = OnnxModel.FromBytes(net.Onnx, new OnnxModelOptions(), name: $"saliency-net(hidden={hidden})");
        Console.WriteLine($"ONNX Runtime {model.RuntimeVersion} on {model.ExecutionProvider}, {Environment.ProcessorCount} logical CPUs, " +
                          $"model {model.Name} ({net.Onnx.Length} bytes), input {Size}x{Size}, {seconds} s per batch size");
        Console.WriteLine("batch  images/s   managed ms/run  native ms/run  overhead ms/run  overhead %  of it copy ms  wrapper %   (medians; overhead = managed - native per run)");

        foreach (var batch in new[] { 1, 8, 32 })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var shape = new TensorShape(batch, 3, Size, Size);
            var input = SaliencyNet.SampleInput(batch, Size, Size);
            ReadOnlySpan<TensorInput> inputs = [new TensorInput(SaliencyNet.InputName, input, shape)];

            for (var i = 0; i < 3; i++)
                RunOnce(model, inputs, cancellationToken);

            // Medians, not means: the figures should not hinge on a few runs that other processes slowed down.
            var managedRuns = new List<double>();
            var nativeRuns = new List<double>();
            var overheadRuns = new List<double>();
            var copyRuns = new List<double>();
            var budget = Stopwatch.StartNew();
            while (managedRuns.Count < 7 || budget.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                var (managed, native, copy) = RunOnce(model, inputs, cancellationToken);
                copyRuns.Add(copy * 1000.0 / Stopwatch.Frequency);
                managedRuns.Add(managed * 1000.0 / Stopwatch.Frequency);
                nativeRuns.Add(native * 1000.0 / Stopwatch.Frequency);
                overheadRuns.Add((managed - native) * 1000.0 / Stopwatch.Frequency);
            }

            var managedMs = Median(managedRuns);
            var nativeMs = Median(nativeRuns);
            var overheadMs = Median(overheadRuns);
            var copyMs = Median(copyRuns);
            var imagesPerSecond = batch * 1000.0 / managedMs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{batch,5}  {imagesPerSecond,8:F1}   {managedMs,14:F3}  {nativeMs,13:F3}  {overheadMs,15:F3}  {100 * overheadMs / nativeMs,9:F2}%  {copyMs,12:F3}  {100 * (overheadMs - copyMs) / nativeMs,9:F2}%  ({managedRuns.Count} runs)"));
        }
        return Task.FromResult(0);
    }

    private static (long Managed, long Native, long Copy) RunOnce(OnnxModel model, ReadOnlySpan<TensorInput> inputs, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        long native, copyStart;
        float[] copy;
        using (var outputs = model.Run(inputs, ct, out native))
        {
            copyStart = Stopwatch.GetTimestamp();
            copy = outputs.ToArray(0);
        }
        var end = Stopwatch.GetTimestamp();
        GC.KeepAlive(copy);
        return (end - start, native, end - copyStart);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
