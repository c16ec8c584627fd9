using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Cli.Prelabel;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Inference;
using SegLoop.Storage;
using SegLoop.Testing;
using SegLoop.TestModels;

namespace SegLoop.Cli.Tests;

/// <summary>
/// The verbs with Bus__Transport=RabbitMq against the rig: an Inference "worker" host on its own virtual host answers
/// prelabel's requests, and hears models promote. Both share one local folder store, as a deployment shares S3.
/// Environment variables are process-wide, so these run in the console collection (one at a time).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class RabbitMqVerbTests : IAsyncLifetime
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("segloop-cli-rabbit-");
    private readonly List<string> _setVariables = [];
    private RabbitMqVirtualHost _vhost = null!;
    private IHost _worker = null!;

    private string Data => Path.Combine(_temp.FullName, "data");

    public async Task InitializeAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(_vhost.BusSettings(quorumQueues: false).Concat(
        [
            new("Logging:LogLevel:Default", "Warning"),
            new("Storage:Kind", "Local"),
            new("Storage:Local:Root", Data),
        ]));
        builder.AddSegLoopDefaults("inference-under-test");
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddInference(builder.Configuration);
        builder.Services.AddSingleton<PromotedMessages>();
        builder.AddSegLoopBus(bus =>
        {
            bus.AddInferenceConsumers();
            bus.AddConsumer<PromotedRecorder>();
        });
        _worker = builder.Build();
        await _worker.StartAsync();
        await _worker.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));

        // The CLI reads the services' settings from the environment, as an operator would set them.
        foreach (var (key, value) in _vhost.BusSettings(quorumQueues: false))
            Set(key.Replace(":", "__", StringComparison.Ordinal), value!);
    }

    [Fact]
    public async Task Prelabel_OverRabbitMq_TheWorkerAnswersAndResultsComeBackByRequestId()
    {
        var args = new PrelabelCommand.Arguments(SharedData.Path("voc-labelme", "coco", "annotations.json"), null, SharedData.VocLabelme,
            Path.Combine(_temp.FullName, "results.json"), Data, new PrelabelSettings { Timeout = TimeSpan.FromMinutes(3) });

        PrelabelSummary summary;
        string output;
        using (var console = new ConsoleCapture())
        {
            summary = await PrelabelCommand.RunAsync(args, CancellationToken.None);
            output = console.Output;
        }

        Assert.Contains("answered by the deployed Inference workers over RabbitMQ", output);
        Assert.Equal((3, 3, 0), (summary.Published, summary.Completed, summary.Failures.Count));
        var results = JsonSerializer.Deserialize<List<PrelabelResult>>(await File.ReadAllTextAsync(args.Output))!;
        Assert.Equal(12, results.Select(r => r.AnnotationId).Distinct().Count());
        // The worker wrote its own per-request results under prelabels/, keyed by the CLI's request ids.
        var store = _worker.Services.GetRequiredService<IBlobStore>();
        Assert.All(summary.RequestIds, id => Assert.True(store.ExistsAsync(PreAnnotationService.ResultsKey(id!)).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task Promote_OverRabbitMq_ReachesTheRunningWorker()
    {
        var file = Path.Combine(_temp.FullName, "saliency.onnx");
        await File.WriteAllBytesAsync(file, OnnxTestModels.SaliencyNet().Onnx);
        int register, promote;
        string output;
        using (var console = new ConsoleCapture())
        {
            register = await SegLoopCommand.Create().Parse(["models", "register", "--name", "saliency", "--file", file, "--preprocessing", "fcn", "--version", "v1", "--data", Data]).InvokeAsync();
            promote = await SegLoopCommand.Create().Parse(["models", "promote", "--name", "saliency", "--version", "v1", "--data", Data]).InvokeAsync();
            output = console.Output + console.Error;
        }

        Assert.Equal((0, 0), (register, promote));
        Assert.Contains("running Inference workers swap", output);
        var heard = await _worker.Services.GetRequiredService<PromotedMessages>().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(("saliency", "v1"), (heard.Name, heard.Version));
    }

    private void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        _setVariables.Add(name);
    }

    public async Task DisposeAsync()
    {
        foreach (var name in _setVariables)
            Environment.SetEnvironmentVariable(name, null);
        await _worker.StopAsync();
        _worker.Dispose();
        await _vhost.DisposeAsync();
        _temp.Delete(recursive: true);
    }

    public sealed class PromotedMessages
    {
        private readonly TaskCompletionSource<ModelPromoted> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(ModelPromoted message) => _first.TrySetResult(message);

        public Task<ModelPromoted> WaitAsync(TimeSpan timeout) => _first.Task.WaitAsync(timeout);
    }

    public sealed class PromotedRecorder(PromotedMessages messages) : IConsumer<ModelPromoted>
    {
        public Task Consume(ConsumeContext<ModelPromoted> context)
        {
            messages.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}
