using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

public sealed class OnnxModelTests
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData(0, 1, 17, 23)]
    [InlineData(0, 4, 17, 23)]
    [InlineData(0, 1, 64, 48)]
    [InlineData(0, 4, 64, 48)]
    [InlineData(4, 1, 17, 23)]
    [InlineData(4, 4, 64, 48)]
    public void Run_SaliencyNet_OutputsMatchHandComputedValues(int hidden, int batch, int height, int width)
    {
        var net = OnnxTestModels.SaliencyNet(hidden);
        using var model = OnnxModel.FromBytes(net.Onnx);
        var input = SaliencyNet.SampleInput(batch, height, width, seed: batch + height);

        using var outputs = model.Run(input, new TensorShape(batch, 3, height, width));

        Assert.Equal(2, outputs.Count);
        Assert.Equal(new TensorShape(batch, 1, height, width), outputs.GetShape(0));
        AssertClose(net.ExpectedOutput(input, batch, height, width), outputs.GetSpan(SaliencyNet.OutputName));
        AssertClose(net.ExpectedSideOutput(input, batch, height, width), outputs.GetSpan(SaliencyNet.SideOutputName));
        foreach (var v in outputs.GetSpan(0))
            Assert.InRange(v, 0f, 1f);
    }

    [Fact]
    public void Run_U2NetPArchitecture_SevenFullSizeSaliencyMaps()
    {
        // u2netp's graph (dilated convolutions, ceil-mode pooling, bilinear Resize, Concat, residual Add) loads and
        // runs: the benchmark's stand-in for the production model is a real network, not a toy.
        var net = OnnxTestModels.U2NetP();
        Assert.InRange(net.Parameters, 1_120_000, 1_135_000); // u2netp: 1.13 M parameters
        using var model = OnnxModel.FromBytes(net.Onnx);
        var input = SaliencyNet.SampleInput(2, 64, 96);

        using var outputs = model.Run(input, new TensorShape(2, 3, 64, 96));

        Assert.Equal(7, outputs.Count);
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal($"d{i}", outputs.GetName(i));
            Assert.Equal(new TensorShape(2, 1, 64, 96), outputs.GetShape(i));
        }
        var d0 = outputs.GetSpan(U2NetP.OutputName).ToArray();
        Assert.All(d0, v => Assert.InRange(v, 0f, 1f));
        Assert.True(d0.Max() - d0.Min() > 1e-3f, "the fused map varies over the image");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_SpinningOnOrOff_SameValues(bool allowSpinning)
    {
        // The spinning switch is a session config entry whose key ONNX Runtime checks: a misspelt key or value fails here.
        var net = OnnxTestModels.SaliencyNet(hiddenChannels: 2);
        using var model = OnnxModel.FromBytes(net.Onnx, new OnnxModelOptions { AllowSpinning = allowSpinning, IntraOpThreads = 2 });
        var input = SaliencyNet.SampleInput(2, 16, 12);

        using var outputs = model.Run(input, new TensorShape(2, 3, 16, 12));

        AssertClose(net.ExpectedOutput(input, 2, 16, 12), outputs.GetSpan(0));
    }

    [Fact]
    public void Run_FromFile_SameValuesAsFromBytes()
    {
        var net = OnnxTestModels.SaliencyNet(hiddenChannels: 2);
        var path = Path.Combine(Path.GetTempPath(), $"segloop-saliency-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, net.Onnx);
        try
        {
            using var model = OnnxModel.FromFile(path);
            var input = SaliencyNet.SampleInput(2, 9, 11);

            using var outputs = model.Run(input, new TensorShape(2, 3, 9, 11));

            Assert.Equal(path, model.Name);
            AssertClose(net.ExpectedOutput(input, 2, 9, 11), outputs.GetSpan(0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_InputBuffer_IsReadInPlaceNotCopiedAtCreation()
    {
        // The tensor wraps the caller's memory: a slice of a larger buffer works, and the values the model sees are
        // the ones in that slice.
        var net = OnnxTestModels.SaliencyNet();
        using var model = OnnxModel.FromBytes(net.Onnx);
        var image = SaliencyNet.SampleInput(1, 8, 8);
        var buffer = new float[image.Length + 10];
        image.CopyTo(buffer, 5);

        using var outputs = model.Run(buffer.AsMemory(5, image.Length), new TensorShape(1, 3, 8, 8));

        AssertClose(net.ExpectedOutput(image, 1, 8, 8), outputs.GetSpan(0));
    }

    [Fact]
    public void Inputs_SaliencyNet_NamesTypesAndDynamicDims()
    {
        using var model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx);

        var input = Assert.Single(model.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal(new TensorShape(-1, 3, -1, -1), input.Shape);
        Assert.True(input.Shape.IsDynamic);
        Assert.Equal(["d0", "d1"], model.Outputs.Select(o => o.Name));
        Assert.All(model.Outputs, o => Assert.Equal(new TensorShape(-1, 1, -1, -1), o.Shape));
        Assert.All(model.Outputs, o => Assert.Equal(TensorElementType.Float, o.ElementType));
    }

    [Fact]
    public void FromBytes_CpuRequested_ReportsCpuProviderAndLogsIt()
    {
        var logger = new ListLogger();

        using var model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx, new OnnxModelOptions(), logger);

        Assert.Equal("CPUExecutionProvider", model.ExecutionProvider);
        var line = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("CPUExecutionProvider", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_CudaRequestedWithoutUsableCuda_FallsBackToCpuWithOneWarning()
    {
        var logger = new ListLogger();
        var options = new OnnxModelOptions { ExecutionProvider = ExecutionProviderKind.Cuda };
        var net = OnnxTestModels.SaliencyNet();

        using var model = OnnxModel.FromBytes(net.Onnx, options, logger, name: "saliency");

        Assert.Equal("CPUExecutionProvider", model.ExecutionProvider);
        var line = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.StartsWith("Model saliency runs on CPUExecutionProvider: CUDAExecutionProvider was requested but is unavailable (",
            line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line.Message);
        // Runs do not log again: the fallback is said once, when the model loads.
        using (model.Run(SaliencyNet.SampleInput(1, 4, 4), new TensorShape(1, 3, 4, 4)))
        {
        }
        Assert.Single(logger.Lines);
        var input = SaliencyNet.SampleInput(1, 6, 6);
        using var outputs = model.Run(input, new TensorShape(1, 3, 6, 6));
        AssertClose(net.ExpectedOutput(input, 1, 6, 6), outputs.GetSpan(0));
    }

    [Fact]
    public void Run_WrongChannelCount_ThrowsNamingTheInputAndShapesAndModelKeepsWorking()
    {
        var net = OnnxTestModels.SaliencyNet();
        using var model = OnnxModel.FromBytes(net.Onnx, name: "saliency");

        var ex = Assert.Throws<ArgumentException>(() => model.Run(new float[4 * 8 * 8], new TensorShape(1, 4, 8, 8)));

        Assert.Contains("Input 'input' of model saliency takes shape [?, 3, ?, ?]; got [1, 4, 8, 8]", ex.Message, StringComparison.Ordinal);
        AssertStillWorks(model, net);
    }

    [Fact]
    public void Run_WrongRank_ThrowsNamingTheInputAndModelKeepsWorking()
    {
        var net = OnnxTestModels.SaliencyNet();
        using var model = OnnxModel.FromBytes(net.Onnx, name: "saliency");

        var ex = Assert.Throws<ArgumentException>(() => model.Run(new float[3 * 8 * 8], new TensorShape(3, 8, 8)));

        Assert.Contains("Input 'input' of model saliency takes shape [?, 3, ?, ?]; got [3, 8, 8]", ex.Message, StringComparison.Ordinal);
        AssertStillWorks(model, net);
    }

    [Fact]
    public void Run_BufferSmallerThanShape_ThrowsNamingTheInputAndCounts()
    {
        var net = OnnxTestModels.SaliencyNet();
        using var model = OnnxModel.FromBytes(net.Onnx, name: "saliency");

        var ex = Assert.Throws<ArgumentException>(() => model.Run(new float[10], new TensorShape(1, 3, 8, 8)));

        Assert.Contains("Input 'input' of model saliency: shape [1, 3, 8, 8] needs 192 values, the buffer holds 10", ex.Message, StringComparison.Ordinal);
        AssertStillWorks(model, net);
    }

    [Fact]
    public void Run_DimensionTheGraphRejects_ThrowsOrtErrorAndModelKeepsWorking()
    {
        // Our checks pass (the model declares H and W dynamic); ONNX Runtime finds the 0-sized image invalid itself.
        var net = OnnxTestModels.SaliencyNet();
        using var model = OnnxModel.FromBytes(net.Onnx);

        var ex = Record.Exception(() => { using var _ = model.Run(Memory<float>.Empty, new TensorShape(1, 3, 0, 8)); });

        if (ex is not null)
            Assert.IsType<OnnxRuntimeException>(ex);
        AssertStillWorks(model, net);
    }

    [Fact]
    public void Run_UnknownInputName_ThrowsNamingTheInputs()
    {
        using var model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx);

        var ex = Assert.Throws<ArgumentException>(() =>
            model.Run([new TensorInput("image", new float[192], new TensorShape(1, 3, 8, 8))]));

        Assert.Contains("'image'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> CorruptModels()
    {
        var valid = OnnxTestModels.SaliencyNet().Onnx;
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        return new TheoryData<string, byte[]>
        {
            { "random bytes", random },
            { "truncated", valid[..(valid.Length / 2)] },
            { "text", "this is not an onnx model"u8.ToArray() },
            { "empty", [] },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptModels))]
    public void FromBytes_CorruptModel_ThrowsInvalidModelNamingIt(string name, byte[] bytes)
    {
        var ex = Assert.Throws<InvalidModelException>(() => OnnxModel.FromBytes(bytes, name: name));

        Assert.Equal(name, ex.Model);
        Assert.StartsWith($"The model {name} could not be loaded: ", ex.Message, StringComparison.Ordinal);
        if (bytes.Length > 0)
            Assert.IsType<OnnxRuntimeException>(ex.InnerException);
        AssertStillWorks(null, OnnxTestModels.SaliencyNet());
    }

    [Fact]
    public void FromFile_NotAModel_ThrowsInvalidModelNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segloop-not-a-model-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "this is not an onnx model");
        try
        {
            var ex = Assert.Throws<InvalidModelException>(() => OnnxModel.FromFile(path));

            Assert.Equal(path, ex.Model);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.IsType<OnnxRuntimeException>(ex.InnerException);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromFile_Missing_ThrowsFileNotFoundNamingPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "segloop-missing-model.onnx");

        var ex = Assert.Throws<FileNotFoundException>(() => OnnxModel.FromFile(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_EightThreadsConcurrently_EachGetsItsOwnCorrectResult()
    {
        var net = OnnxTestModels.SaliencyNet(hiddenChannels: 4);
        using var model = OnnxModel.FromBytes(net.Onnx);
        using var start = new Barrier(8);

        var tasks = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            var batch = 1 + t % 3;
            var size = 12 + t;
            var input = SaliencyNet.SampleInput(batch, size, size + 1, seed: t);
            var expected = net.ExpectedOutput(input, batch, size, size + 1);
            start.SignalAndWait();
            for (var i = 0; i < 15; i++)
            {
                using var outputs = model.Run(input, new TensorShape(batch, 3, size, size + 1));
                AssertClose(expected, outputs.GetSpan(0));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        await Task.WhenAll(tasks);
    }

    [Fact]
    public void Run_TokenAlreadyCancelled_TerminateFlagMakesOrtFail_ThrowsOperationCanceled()
    {
        using var model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var ex = Assert.Throws<OperationCanceledException>(() =>
            model.Run(new float[3 * 8 * 8], new TensorShape(1, 3, 8, 8), cts.Token));

        // The run really went to ORT and was refused there (RunOptions.Terminate): the inner exception is ORT's.
        var inner = Assert.IsType<OnnxRuntimeException>(ex!.InnerException);
        Assert.Contains("terminate", inner.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public void Run_CancelledWhileRunning_StopsEarlyWithOperationCanceled()
    {
        using var model = OnnxModel.FromBytes(OnnxTestModels.ConvChain(layers: 300),
            new OnnxModelOptions { IntraOpThreads = 1, GraphOptimization = GraphOptimization.Basic });
        var shape = new TensorShape(1, 3, 256, 256);
        var input = new float[shape.ElementCount];
        // Time a warm run (the first one also plans memory), then cancel a second run a fifth of the way in:
        // ONNX Runtime stops between nodes and the caller sees the cancellation.
        using (model.Run(input, shape))
        {
        }
        var full = Stopwatch.StartNew();
        using (model.Run(input, shape))
        {
        }
        full.Stop();
        using var cts = new CancellationTokenSource();
        // Cancel from a thread of our own: a timer's callback waits for a thread-pool thread, and the pool's few
        // threads may all be blocked in native runs (this test's and its neighbours').
        var canceller = new Thread(() =>
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(full.Elapsed.TotalMilliseconds / 5.0));
            cts.Cancel();
        });

        canceller.Start();
        var ex = Record.Exception(() => { using var _ = model.Run(input, shape, cts.Token); });
        canceller.Join();

        Assert.True(ex is OperationCanceledException,
            $"expected OperationCanceledException, got {ex?.GetType().Name ?? "outputs"}; a warm run took {full.Elapsed.TotalMilliseconds:F1} ms");
        // Stopped early, by ONNX Runtime between operators: its terminate error inside. A run that finished before the
        // cancellation was seen throws without one (OnnxModel's own check after the run).
        var inner = Assert.IsType<OnnxRuntimeException>(ex!.InnerException);
        Assert.Contains("terminate", inner.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(cts.Token, ((OperationCanceledException)ex!).CancellationToken);
        using var again = model.Run(input, shape);
        Assert.Equal(shape, again.GetShape(0));
    }

    [Fact]
    public void Dispose_Twice_IsSafeAndRunAfterDisposeThrows()
    {
        var model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx);
        var outputs = model.Run(new float[3 * 4 * 4], new TensorShape(1, 3, 4, 4));

        model.Dispose();
        model.Dispose();

        // Outputs own their tensors and outlive the session.
        Assert.Equal(16, outputs.GetSpan(0).Length);
        outputs.Dispose();
        outputs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => outputs.GetSpan(0).Length);
        Assert.Throws<ObjectDisposedException>(() => model.Run(new float[48], new TensorShape(1, 3, 4, 4)));
    }

    [Fact]
    public void Dispose_WhileRunInFlight_RunFinishesWithOutputsThenSessionIsGone()
    {
        // Without the run's reference the session would be freed under ONNX Runtime mid-run (a crash, not a clean
        // failure). Dispose can win the race to the run's start on a busy machine; then the run is refused cleanly
        // and the attempt is repeated.
        var shape = new TensorShape(1, 3, 256, 256);
        var input = new float[shape.ElementCount];
        for (var attempt = 0; ; attempt++)
        {
            var model = OnnxModel.FromBytes(OnnxTestModels.ConvChain(layers: 300),
                new OnnxModelOptions { IntraOpThreads = 1, GraphOptimization = GraphOptimization.Basic });
            using var started = new ManualResetEventSlim();
            TensorShape? outputShape = null;
            Exception? failure = null;
            var runner = new Thread(() =>
            {
                try
                {
                    started.Set();
                    using var outputs = model.Run(input, shape);
                    outputShape = outputs.GetShape(0);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            });

            runner.Start();
            started.Wait();
            Thread.Sleep(20);
            model.Dispose();
            runner.Join();

            Assert.Throws<ObjectDisposedException>(() => model.Run(input, shape));
            if (failure is ObjectDisposedException && attempt < 5)
                continue;
            Assert.Null(failure);
            Assert.Equal(shape, outputShape);
            return;
        }
    }

    [Fact]
    public void ToArray_CopiesOutputIntoManagedArray()
    {
        var net = OnnxTestModels.SaliencyNet();
        using var model = OnnxModel.FromBytes(net.Onnx);
        var input = SaliencyNet.SampleInput(1, 5, 7);
        float[] copy;
        using (var outputs = model.Run(input, new TensorShape(1, 3, 5, 7)))
            copy = outputs.ToArray("d1");

        AssertClose(net.ExpectedSideOutput(input, 1, 5, 7), copy);
    }

    private static void AssertStillWorks(OnnxModel? model, SaliencyNet net)
    {
        using var own = model is null ? OnnxModel.FromBytes(net.Onnx) : null;
        var m = model ?? own!;
        var input = SaliencyNet.SampleInput(1, 8, 8);
        using var outputs = m.Run(input, new TensorShape(1, 3, 8, 8));
        AssertClose(net.ExpectedOutput(input, 1, 8, 8), outputs.GetSpan(0));
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        var worstIndex = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var diff = MathF.Abs(expected[i] - actual[i]);
            if (!(diff <= worst))
            {
                worst = diff;
                worstIndex = i;
            }
        }
        Assert.True(worst <= Tolerance,
            $"max |expected - actual| = {worst} at {worstIndex} (expected {expected[Math.Max(worstIndex, 0)]}, got {actual[Math.Max(worstIndex, 0)]})");
    }
}
