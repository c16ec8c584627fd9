using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SegLoop.ModelRuntime;
using SegLoop.TestModels;

namespace SegLoop.Benchmarks;

/// <summary>
/// The self-built saliency test model at 320 x 320, batch 1, 8 and 32: <see cref="OnnxModel.Run(ReadOnlySpan{TensorInput}, CancellationToken)"/>
/// (input checks, an OrtValue over the pooled buffer, a RunOptions bound to the token, output wrapping) against a
/// bare <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// on the same session and the same input buffer (its OrtValue and RunOptions made once), runs alternating. Both
/// copy "d0" into a managed array, so the difference is the wrapper's cost; the copy is printed on its own.
/// Args: [--hidden N] (hidden channels of the test model, default 0) [--seconds S] (per batch size, default 3).
/// </summary>
public sealed class ModelRuntimeBenchmark : IBenchmark
{
    private const int Size = 320;

    public string Name => "model-runtime";

    public string Description => "test saliency model 320x320 at batch 1/8/32: OnnxModel.Run vs a bare InferenceSession.Run on the same tensors";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var hidden = BenchArgs.Int(args, "--hidden", 0, min: 0);
        var seconds = BenchArgs.Int(args, "--seconds", 3);
        var net = OnnxTestModels.SaliencyNet(hidden);
        using var model = OnnxModel.FromBytes(net.Onnx, new OnnxModelOptions(), name: $"saliency-net(hidden={hidden})");
        Console.WriteLine($"ONNX Runtime {model.RuntimeVersion} on {model.ExecutionProvider}, {Environment.ProcessorCount} logical CPUs, " +
                          $"model {model.Name} ({net.Onnx.Length} bytes), input {Size}x{Size}, {seconds} s per batch size");
        Console.WriteLine("batch  model img/s  bare img/s  model ms/run  bare ms/run  model/bare  overhead ms  overhead %  copy ms   (medians of alternating runs)");

        string[] inputNames = [SaliencyNet.InputName];
        string[] outputNames = model.Outputs.Select(o => o.Name).ToArray();
        foreach (var batch in new[] { 1, 8, 32 })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var shape = new TensorShape(batch, 3, Size, Size);
            var input = SaliencyNet.SampleInput(batch, Size, Size);
            ReadOnlySpan<TensorInput> inputs = [new TensorInput(SaliencyNet.InputName, input, shape)];
            using var bareValue = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, Size, Size]);
            using var bareRunOptions = new RunOptions();
            OrtValue[] bareInputs = [bareValue];

            for (var i = 0; i < 3; i++)
            {
                RunModel(model, inputs, cancellationToken);
                RunBare(model.Session, bareRunOptions, inputNames, bareInputs, outputNames);
            }

            // Medians, not means: the figures should not hinge on a few runs that other processes slowed down.
            var modelRuns = new List<double>();
            var bareRuns = new List<double>();
            var overheadRuns = new List<double>();
            var copyRuns = new List<double>();
            var budget = Stopwatch.StartNew();
            while (modelRuns.Count < 7 || budget.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                // Which goes first alternates, so neither side always finds the threads just woken (or cold).
                long modelTicks, copyTicks, bareTicks;
                if (modelRuns.Count % 2 == 0)
                {
                    (modelTicks, copyTicks) = RunModel(model, inputs, cancellationToken);
                    bareTicks = RunBare(model.Session, bareRunOptions, inputNames, bareInputs, outputNames);
                }
                else
                {
                    bareTicks = RunBare(model.Session, bareRunOptions, inputNames, bareInputs, outputNames);
                    (modelTicks, copyTicks) = RunModel(model, inputs, cancellationToken);
                }
                modelRuns.Add(Ms(modelTicks));
                bareRuns.Add(Ms(bareTicks));
                overheadRuns.Add(Ms(modelTicks - bareTicks));
                copyRuns.Add(Ms(copyTicks));
            }

            var modelMs = Median(modelRuns);
            var bareMs = Median(bareRuns);
            var overheadMs = Median(overheadRuns);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{batch,5}  {batch * 1000.0 / modelMs,11:F1}  {batch * 1000.0 / bareMs,10:F1}  {modelMs,12:F3}  {bareMs,11:F3}  {modelMs / bareMs,10:F3}  {overheadMs,11:F3}  {100 * overheadMs / bareMs,9:F2}%  {Median(copyRuns),7:F3}   ({modelRuns.Count} pairs)"));
        }
        return Task.FromResult(0);
    }

    private static (long Total, long Copy) RunModel(OnnxModel model, ReadOnlySpan<TensorInput> inputs, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        long copyStart;
        float[] copy;
        using (var outputs = model.Run(inputs, ct))
        {
            copyStart = Stopwatch.GetTimestamp();
            copy = outputs.ToArray(0);
        }
        var end = Stopwatch.GetTimestamp();
        GC.KeepAlive(copy);
        return (end - start, end - copyStart);
    }

    private static long RunBare(InferenceSession session, RunOptions runOptions, string[] inputNames, OrtValue[] inputs, string[] outputNames)
    {
        var start = Stopwatch.GetTimestamp();
        float[] copy;
        using (var outputs = session.Run(runOptions, inputNames, inputs, outputNames))
            copy = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var end = Stopwatch.GetTimestamp();
        GC.KeepAlive(copy);
        return end - start;
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
