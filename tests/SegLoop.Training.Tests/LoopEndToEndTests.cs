using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Contracts;
using SegLoop.CropBuilder;
using SegLoop.CropBuilder.Datasets;
using SegLoop.Hosting;
using SegLoop.Importers;
using SegLoop.Inference;
using SegLoop.Inference.Models;
using SegLoop.Ingest;
using SegLoop.Storage;
using SegLoop.Taxonomy;
using SegLoop.Testing;

namespace SegLoop.Training.Tests;

/// <summary>
/// The loop on the rig's real RabbitMQ, every service in one host: coco-mini images ingested -> normalised -> crops
/// -> a dataset -> a refiner trained, gated and promoted -> Inference answers with it; a second refiner is promoted
/// while requests keep arriving, and every request is answered, none failed, the last ones by the new version.
/// Small: eight images, GrabCut as the base, 20 000 pixels, 40 trees.
/// </summary>
public sealed class LoopEndToEndTests
{
    private const int Images = 8;
    private const int InFlight = 8;

    [Fact]
    public async Task Loop_IngestToPromotedRefiner_InferenceSwapsVersionsWithoutDroppingRequests()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var store = new InMemoryBlobStore();
        var work = Directory.CreateTempSubdirectory("segloop-loop-");
        try
        {
            using var host = BuildHost(store, vhost);
            await host.StartAsync();
            var bus = host.Services.GetRequiredService<IBusControl>();
            Assert.Equal(BusHealthStatus.Healthy, await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60)));
            var emitted = host.Services.GetRequiredService<Answers>();

            // ingest -> taxonomy -> crops, over the bus.
            var importer = new CocoImporter(SharedData.CocoMiniAnnotations, new FolderImageSource(SharedData.CocoMiniImages));
            var tasks = (await importer.Open(new ImportTarget("acme", "street", "everyday"), CancellationToken.None).ToListAsync()).Take(Images).ToList();
            var summary = await new IngestBatch(host.Services.GetRequiredService<IngestProcessor>(), bus).RunAsync(tasks, null, CancellationToken.None);
            Assert.Equal(Images, summary.Accepted);
            await emitted.WaitForCropsAsync(Images, TimeSpan.FromMinutes(2));

            // dataset -> train -> gate -> promote (published on the bus).
            var dataset = await host.Services.GetRequiredService<DatasetBuilder>().BuildAsync(new DateOnly(2026, 11, 21));
            Assert.True(dataset.Stats.Splits[DatasetAssembler.Train] > 0 && dataset.Stats.Splits[DatasetAssembler.Test] > 0, dataset.Stats.ToTable());
            var registry = host.Services.GetRequiredService<ModelRegistry>();
            var job = new RefinerJob(store, registry, TimeProvider.System);
            Task Publish(ModelPromoted message, CancellationToken ct) => bus.Publish(message, ct);
            var first = await job.RunAsync(Options(work.FullName, seed: 1), Publish, null, CancellationToken.None);
            Assert.True(first.Promoted, first.Decision);
            Assert.Equal("grabcut", first.Baseline);

            // Inference answers with it; then a second version is promoted while requests keep coming. At most
            // InFlight requests are unanswered at a time, so the test asks what a swap does to requests in flight,
            // not how fast a loaded machine drains a backlog that grows while the second refiner trains.
            var sent = 0;
            using var stop = new CancellationTokenSource();
            var requests = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested || sent < 10)
                {
                    while (sent - emitted.Count >= InFlight && !stop.IsCancellationRequested)
                        await Task.Delay(20);
                    await bus.Publish(new PreAnnotationRequested
                    {
                        RequestId = $"swap-{sent:D4}",
                        ImageKey = await emitted.ImageKeyAsync(),
                        Model = "refiner",
                        Prompts = [new Prompt { Box = new BoundingBox(10, 10, 120, 90), Label = "a" }],
                    });
                    sent++;
                    await Task.Delay(50);
                }
            });
            await emitted.WaitForAnswersAsync(3, TimeSpan.FromMinutes(2));
            var second = await job.RunAsync(Options(work.FullName, seed: 2), Publish, null, CancellationToken.None);
            Assert.True(second.Promoted, second.Decision);
            Assert.Equal($"refiner@{first.Version}", second.Baseline);
            // The swap reaches Inference through ModelPromoted on the bus: requests keep coming until the new version
            // has answered, then a few more, so the last answers are the new version's whatever the bus's latency.
            using (var swapped = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                while (!emitted.Completed.Values.Any(c => c.ModelVersion == second.Version))
                    await Task.Delay(100, swapped.Token);
            }
            await emitted.WaitForAnswersAsync(emitted.Count + 5, TimeSpan.FromMinutes(2));
            await stop.CancelAsync();
            await requests;
            await emitted.WaitForAnswersAsync(sent, TimeSpan.FromMinutes(2));
            await Task.Delay(500); // a duplicate would arrive after the last expected answer

            Assert.Equal(sent, emitted.Completed.Count);
            Assert.Empty(emitted.Failed);
            Assert.Empty(emitted.Duplicates);
            Assert.All(emitted.Completed.Values, c => Assert.Equal("refiner", c.Model));
            var versions = emitted.Completed.Values.OrderBy(c => c.RequestId, StringComparer.Ordinal).Select(c => c.ModelVersion).ToList();
            Assert.Equal(first.Version, versions[0]);
            Assert.Equal(second.Version, versions[^1]);
            Assert.Equal(versions.Count, versions.TakeWhile(v => v == first.Version).Count() + versions.SkipWhile(v => v == first.Version).Count(v => v == second.Version));
            await host.StopAsync();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static RefinerTrainingOptions Options(string work, int seed) => new()
    {
        Base = "grabcut",
        Seed = seed,
        PixelBudget = 20_000,
        Trees = 40,
        Leaves = 15,
        WorkingSize = 96,
        WorkDirectory = work,
        // Eight images give a handful of test crops: the gate is exercised (and reported), the figures use a real tolerance.
        MaxDrop = 1.0,
    };

    private static IHost BuildHost(InMemoryBlobStore store, RabbitMqVirtualHost vhost)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Bus:Retry:Intervals:0"] = "50",
            ["Inference:GrabCutIterations"] = "2",
            ["CropBuilder:Dataset:TrainFraction"] = "0.6",
            ["CropBuilder:Dataset:ValFraction"] = "0",
        });
        builder.Configuration.AddInMemoryCollection(vhost.BusSettings());
        builder.AddSegLoopDefaults("loop-tests");
        builder.Services.AddSingleton<IBlobStore>(store);
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddTaxonomy(builder.Configuration);
        builder.Services.AddCropBuilder(builder.Configuration);
        builder.Services.AddInference(builder.Configuration);
        builder.Services.AddSingleton<Answers>();
        builder.AddSegLoopBus(bus =>
        {
            bus.AddIngestConsumers();
            bus.AddTaxonomyConsumers();
            bus.AddCropBuilderConsumers();
            bus.AddInferenceConsumers();
            bus.AddConsumer<AnswerConsumer>();
        });
        return builder.Build();
    }

    /// <summary>What the loop said on the bus: crops emitted, and every pre-annotation answer by request id.</summary>
    public sealed class Answers
    {
        private readonly TaskCompletionSource<string> _imageKey = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _crops;

        public ConcurrentDictionary<string, PreAnnotationCompleted> Completed { get; } = new();
        public ConcurrentDictionary<string, PreAnnotationFailed> Failed { get; } = new();
        public ConcurrentBag<string> Duplicates { get; } = [];

        public int Count => Completed.Count + Failed.Count;

        public Task<string> ImageKeyAsync() => _imageKey.Task;

        public void Crops(CropsEmitted message)
        {
            _imageKey.TrySetResult(message.ImageKey);
            Interlocked.Increment(ref _crops);
        }

        public Task WaitForCropsAsync(int n, TimeSpan timeout) => WaitAsync(() => Volatile.Read(ref _crops) >= n, $"{n} CropsEmitted", timeout);

        public Task WaitForAnswersAsync(int n, TimeSpan timeout) => WaitAsync(() => Count >= n, $"{n} answers", timeout);

        private async Task WaitAsync(Func<bool> done, string what, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (!done())
            {
                if (cts.IsCancellationRequested)
                    throw new TimeoutException($"no {what} within {timeout} (answers {Count}, crops {_crops}; failures: {string.Join("; ", Failed.Values.Select(f => f.Reason))})");
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    public sealed class AnswerConsumer(Answers answers) : IConsumer<PreAnnotationCompleted>, IConsumer<PreAnnotationFailed>, IConsumer<CropsEmitted>
    {
        public Task Consume(ConsumeContext<PreAnnotationCompleted> context)
        {
            if (!answers.Completed.TryAdd(context.Message.RequestId, context.Message))
                answers.Duplicates.Add(context.Message.RequestId);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<PreAnnotationFailed> context)
        {
            if (!answers.Failed.TryAdd(context.Message.RequestId, context.Message))
                answers.Duplicates.Add(context.Message.RequestId);
            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<CropsEmitted> context)
        {
            answers.Crops(context.Message);
            return Task.CompletedTask;
        }
    }
}
