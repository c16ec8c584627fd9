using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>The service on the rig's real RabbitMQ under load from many concurrent publishers.</summary>
public sealed class RabbitMqLoadTests
{
    [Fact]
    public async Task Publish_1000RequestsFrom50Publishers_AllAnsweredNoneLostBatchesLargerThanOne()
    {
        const int Requests = 1000;
        const int Publishers = 50;
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var store = new InMemoryBlobStore();
        // 20 distinct small images; every 10th request names an image that does not exist.
        for (var i = 0; i < 20; i++)
            await store.PutBytesAsync($"images/load/{i}.png", TestImages.ObjectPng(40, 40, new Rect(10 + (i % 5), 12, 16, 14), seed: i));

        using var host = InferenceHost.Build(store, vhost.BusSettings().Concat(new Dictionary<string, string?>
        {
            ["Inference:GrabCutIterations"] = "2",
            ["Inference:Batching:MaxWaitMs"] = "20",
        }));
        using var batchSizes = new BatchSizeRecorder(host.Services.GetRequiredService<IMeterFactory>());
        await InferenceHost.StartAsync(host);
        var publish = host.Services.GetRequiredService<IPublishEndpoint>();

        PreAnnotationRequested Request(int n) => new()
        {
            RequestId = $"load-{n:D4}",
            ImageKey = n % 10 == 9 ? $"images/load/missing-{n}.png" : $"images/load/{n % 20}.png",
            Prompts = [new Prompt { Box = new BoundingBox(8, 10, 22, 18), Label = $"a{n}" }],
        };
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var n = p; n < Requests; n += Publishers)
                await publish.Publish(Request(n));
        })));

        var collector = host.Services.GetRequiredService<ResultCollector>();
        await collector.WaitForAsync(Requests, TimeSpan.FromMinutes(4));
        await Task.Delay(500); // a duplicate answer would arrive after the last expected one

        var expectedIds = Enumerable.Range(0, Requests).Select(n => $"load-{n:D4}").ToHashSet();
        Assert.Equal(Requests, collector.Count);
        Assert.Empty(collector.Duplicates);
        Assert.True(expectedIds.SetEquals(collector.Completed.Keys.Concat(collector.Failed.Keys)), "answers do not match the request ids");
        Assert.Equal(100, collector.Failed.Count);
        Assert.All(collector.Failed.Values, f =>
        {
            Assert.Equal(FailureCodes.ImageNotFound, f.Code);
            Assert.Contains("missing-", f.Reason);
        });
        Assert.All(collector.Completed.Values, c =>
        {
            Assert.Equal(GrabCutBackend.ModelName, c.Model);
            var mask = Assert.Single(c.Masks);
            Assert.True(mask.Box.Width > 5 && mask.Box.Height > 5, $"{c.RequestId}: box {mask.Box}");
        });

        var sizes = batchSizes.Sizes;
        Assert.Equal(900, sizes.Sum());
        Assert.Contains(sizes, s => s > 1);
        await host.StopAsync();
    }
}
