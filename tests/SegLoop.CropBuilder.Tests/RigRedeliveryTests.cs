using System.Collections.Concurrent;
using Amazon.S3;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Storage;
using SegLoop.Testing;

namespace SegLoop.CropBuilder.Tests;

/// <summary>
/// The consumer against the rig's real RabbitMQ and S3 API server: the same AnnotationNormalized published twice
/// leaves the same objects with the same bytes, and one manifest.
/// </summary>
public sealed class RigRedeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Consume_SameMessagePublishedTwice_SameObjectsAndManifestOnS3()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var bucket = $"segloop-crop-{Guid.NewGuid():N}"[..30];
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(vhost.BusSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Kind"] = "S3",
            ["Storage:S3:Bucket"] = bucket,
            ["Storage:S3:ServiceUrl"] = Rig.S3Endpoint.ToString(),
            ["Storage:S3:ForcePathStyle"] = "true",
            ["Storage:S3:AccessKey"] = "segloop-test",
            ["Storage:S3:SecretKey"] = "segloop-test-secret",
            ["Storage:S3:CreateBucketIfMissing"] = "true",
        });
        builder.AddSegLoopDefaults("crop-builder-tests");
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddCropBuilder(builder.Configuration);
        builder.Services.AddSingleton<EmittedLog>();
        builder.AddSegLoopBus(bus =>
        {
            bus.AddCropBuilderConsumers();
            bus.AddConsumer<EmittedWatcher>();
        });
        using var host = builder.Build();
        await host.StartAsync();
        Assert.Equal(BusHealthStatus.Healthy, await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, Patience));
        var store = host.Services.GetRequiredService<IBlobStore>();
        Assert.IsType<SegLoop.Storage.S3.S3BlobStore>(store);

        var document = CocoMini.Documents.First(d => d.Instances.Count(i => !i.IsCrowd) >= 5);
        var message = await CocoMini.StoreAsync(store, document);
        var log = host.Services.GetRequiredService<EmittedLog>();
        var publish = host.Services.GetRequiredService<IPublishEndpoint>();

        await publish.Publish(message);
        var first = await log.WaitForAsync(1, Patience);
        var afterFirst = await SnapshotAsync(store);

        await publish.Publish(message);
        var second = await log.WaitForAsync(2, Patience);
        var afterSecond = await SnapshotAsync(store);

        Assert.Equal(first.CropKeys, second.CropKeys);
        Assert.Equal(first.ManifestKey, second.ManifestKey);
        Assert.True(first.CropKeys.Count >= 5, $"only {first.CropKeys.Count} crops");
        Assert.Equal(afterFirst.Keys.Order(StringComparer.Ordinal), afterSecond.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2 * first.CropKeys.Count + 1, afterSecond.Count); // crop + mask each, one manifest, nothing else
        foreach (var (key, bytes) in afterFirst)
            Assert.True(bytes.AsSpan().SequenceEqual(afterSecond[key]), $"{key} changed on the second delivery");
        var rows = ImageCropper.ReadManifest(afterSecond[first.ManifestKey], first.ManifestKey);
        Assert.Equal(first.CropKeys, rows.Select(r => r.CropKey).ToArray()); // one row per crop, no duplicates

        await host.StopAsync();
        await DeleteBucketAsync(host.Services.GetRequiredService<IAmazonS3>(), bucket, store);
    }

    private static async Task<Dictionary<string, byte[]>> SnapshotAsync(IBlobStore store)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var prefix in new[] { CropKeys.CropsRoot + "/", CropKeys.ManifestsRoot + "/" })
        {
            await foreach (var key in store.ListAsync(prefix))
                result[key] = await store.GetBytesAsync(key);
        }
        return result;
    }

    private static async Task DeleteBucketAsync(IAmazonS3 client, string bucket, IBlobStore store)
    {
        await foreach (var key in store.ListAsync(""))
            await store.DeleteAsync(key);
        await client.DeleteBucketAsync(bucket);
    }

    public sealed class EmittedLog
    {
        private readonly ConcurrentQueue<CropsEmitted> _received = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void Add(CropsEmitted message)
        {
            _received.Enqueue(message);
            _signal.Release();
        }

        /// <summary>Waits until the <paramref name="n"/>th message has arrived and returns it.</summary>
        public async Task<CropsEmitted> WaitForAsync(int n, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (_received.Count < n)
                await _signal.WaitAsync(cts.Token);
            return _received.ElementAt(n - 1);
        }
    }

    public sealed class EmittedWatcher(EmittedLog log) : IConsumer<CropsEmitted>
    {
        public Task Consume(ConsumeContext<CropsEmitted> context)
        {
            log.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}
