using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>
/// ModelRuntime:ExecutionProvider=Cuda where CUDA cannot be used (the test build carries the CPU-only ONNX Runtime;
/// the GPU build on a machine without a GPU takes the same path): the service still answers, on CPU, with the masks a
/// CPU-configured service gives, and says so once per model, not per request.
/// </summary>
public sealed class CudaFallbackTests
{
    [Fact]
    public async Task HandleAsync_CudaRequestedButUnavailable_OneWarningAndSameMasksAsCpu()
    {
        var store = new InMemoryBlobStore();
        await store.PutBytesAsync("images/object.png", TestImages.ObjectPng(64, 48, new Rect(20, 14, 24, 20), seed: 1));
        var registry = new ModelRegistry(store, TimeProvider.System);
        var metadata = await registry.RegisterAsync("saliency", OnnxTestModels.SaliencyNet(4).Onnx,
            new OnnxPreprocessing { Mode = PreprocessingMode.Fcn });
        await registry.PromoteAsync("saliency", metadata.Version);

        var cudaLog = new LineCollector();
        await using var cuda = Build(store, "Cuda", cudaLog);
        await using var cpu = Build(store, "Cpu", new LineCollector());
        var cudaOutcomes = new List<PreAnnotationCompleted>();
        for (var i = 0; i < 3; i++)
            cudaOutcomes.Add(Assert.IsType<PreAnnotationCompleted>((await HandleAsync(cuda, $"r-{i}")).Completed));
        var cpuOutcome = Assert.IsType<PreAnnotationCompleted>((await HandleAsync(cpu, "r-cpu")).Completed);

        var warning = Assert.Single(cudaLog.Lines, IsFallback);
        Assert.StartsWith($"Model saliency@{metadata.Version} runs on CPUExecutionProvider", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(cudaLog.Lines, l => l.Level >= LogLevel.Error);
        foreach (var outcome in cudaOutcomes)
            Assert.Equal(cpuOutcome.Masks.Select(m => m.Rle), outcome.Masks.Select(m => m.Rle));
        Assert.False(string.IsNullOrEmpty(Assert.Single(cpuOutcome.Masks).Rle.Counts));
    }

    [Fact]
    public async Task Start_DefaultModelAndCudaUnavailable_FallbackLoggedOnceBeforeAnyRequest()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var metadata = await registry.RegisterAsync("saliency", OnnxTestModels.SaliencyNet().Onnx,
            new OnnxPreprocessing { Mode = PreprocessingMode.Fcn });
        await registry.PromoteAsync("saliency", metadata.Version);
        var log = new LineCollector();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:DefaultModel"] = "saliency",
            ["ModelRuntime:ExecutionProvider"] = "Cuda",
        });
        builder.Logging.ClearProviders().AddProvider(log);
        builder.Services.AddSingleton<IBlobStore>(store);
        builder.Services.AddInference(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync();
        var deadline = TimeSpan.FromSeconds(60);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!log.Lines.Any(IsFallback) && waited.Elapsed < deadline)
            await Task.Delay(20);
        await host.StopAsync();

        var warning = Assert.Single(log.Lines, IsFallback);
        Assert.StartsWith($"Model saliency@{metadata.Version} runs on CPUExecutionProvider", warning.Message, StringComparison.Ordinal);
    }

    private static bool IsFallback((LogLevel Level, string Message) line) =>
        line.Level == LogLevel.Warning && line.Message.Contains("CUDAExecutionProvider was requested", StringComparison.Ordinal);

    private static ServiceProvider Build(IBlobStore store, string executionProvider, LineCollector log) =>
        InferenceServices.Build(store, new Dictionary<string, string?> { ["ModelRuntime:ExecutionProvider"] = executionProvider }, log);

    private static Task<PreAnnotationOutcome> HandleAsync(ServiceProvider provider, string requestId) =>
        InferenceServices.HandleAsync(provider, requestId, "saliency");

    private sealed class LineCollector : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => Lines.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
