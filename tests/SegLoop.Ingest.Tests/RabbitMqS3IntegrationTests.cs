using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Importers;
using SegLoop.Storage;
using SegLoop.Taxonomy;
using SegLoop.Testing;
using SegLoop.Vision;
using SegLoop.Vision.Coco;
using Xunit.Abstractions;

namespace SegLoop.Ingest.Tests;

/// <summary>
/// All of coco-mini, voc-labelme and camvid-dev through the importers, the real RabbitMQ (a virtual host of its
/// own) and the real S3 API server of the rig, with Taxonomy in the same host normalizing what is ingested.
/// </summary>
public sealed class RabbitMqS3IntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Import_AllSharedData_OverRabbitMqAndS3_CountsMatchSourcesAndTaxonomyNormalizes()
    {
        var watch = Stopwatch.StartNew();
        var vhost = await CreateVirtualHostAsync();
        var customer = "it-" + Guid.NewGuid().ToString("N")[..8];
        var amqp = Rig.RabbitMqUri;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Bus:Transport"] = "RabbitMq",
            ["Bus:RabbitMq:Host"] = amqp.Host,
            ["Bus:RabbitMq:Port"] = amqp.Port.ToString(CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:VirtualHost"] = vhost,
            ["Bus:RabbitMq:Username"] = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[0]),
            ["Bus:RabbitMq:Password"] = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[1]),
            ["Storage:Kind"] = "S3",
            ["Storage:S3:Bucket"] = "segloop-ingest-it",
            ["Storage:S3:ServiceUrl"] = Rig.S3Endpoint.ToString(),
            ["Storage:S3:ForcePathStyle"] = "true",
            ["Storage:S3:AccessKey"] = "segloop-test",
            ["Storage:S3:SecretKey"] = "segloop-test-secret",
            ["Storage:S3:CreateBucketIfMissing"] = "true",
        });
        builder.AddSegLoopDefaults("ingest-it");
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddTaxonomy(builder.Configuration);
        builder.AddSegLoopBus(bus =>
        {
            bus.AddIngestConsumers();
            bus.AddTaxonomyConsumers();
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            var ingested = new ConcurrentDictionary<string, AnnotationIngested>();
            var normalized = new ConcurrentDictionary<string, AnnotationNormalized>();
            var rejected = new ConcurrentBag<AnnotationRejected>();
            var observer = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), KebabCaseEndpointNameFormatter.Instance, e =>
            {
                e.Handler<AnnotationIngested>(c => { if (c.Message.Customer == customer) ingested[c.Message.Project + "/" + c.Message.TaskId] = c.Message; return Task.CompletedTask; });
                e.Handler<AnnotationNormalized>(c => { if (c.Message.Customer == customer) normalized[c.Message.Project + "/" + c.Message.TaskId] = c.Message; return Task.CompletedTask; });
                e.Handler<AnnotationRejected>(c => { if (c.Message.Customer == customer) rejected.Add(c.Message); return Task.CompletedTask; });
            });
            await observer.Ready;

            var store = host.Services.GetRequiredService<IBlobStore>();
            var batch = new IngestBatch(host.Services.GetRequiredService<IngestProcessor>(), bus);

            // COCO: 80 images, 739 annotations.
            var coco = await new CocoImporter(SharedData.CocoMiniAnnotations, new FolderImageSource(SharedData.CocoMiniImages)).Open(new ImportTarget(customer, "coco", "everyday"), CancellationToken.None).ToListAsync();
            var cocoSummary = await batch.RunAsync(coco, null, CancellationToken.None);
            var cocoSource = CocoDataset.Parse(await File.ReadAllTextAsync(SharedData.CocoMiniAnnotations));
            AssertAllAccepted(cocoSummary, cocoSource.Images.Count);
            Assert.Equal(80, cocoSummary.Accepted);
            Assert.Equal(739, cocoSummary.AcceptedInstances);
            Assert.Equal(cocoSource.Annotations.Count, cocoSummary.AcceptedInstances);

            // VOC: 3 images, 12 objects (the same objects as its COCO json).
            var voc = new VocImporter(SharedData.VocLabelme).Read(new ImportTarget(customer, "voc", "everyday"));
            var vocSummary = await batch.RunAsync(voc, null, CancellationToken.None);
            AssertAllAccepted(vocSummary, 3);
            var vocCoco = CocoDataset.Parse(await File.ReadAllTextAsync(SharedData.Path("voc-labelme", "coco", "annotations.json")));
            Assert.Equal(12, vocSummary.AcceptedInstances);
            Assert.Equal(vocCoco.Annotations.Count, vocSummary.AcceptedInstances);
            foreach (var image in vocCoco.Images)
            {
                // Majority class under each object's pixels gives the classes labelme's own COCO export names.
                var stem = Path.GetFileNameWithoutExtension(image.FileName);
                var document = await store.GetJsonAsync<AnnotationDocument>(AnnotationKeys.Ingested(customer, "voc", stem));
                var expectedClasses = vocCoco.Annotations.Where(a => a.ImageId == image.Id)
                    .Select(a => vocCoco.Categories.Single(c => c.Id == a.CategoryId).Name).Order(StringComparer.Ordinal);
                Assert.Equal(expectedClasses, document.Instances.Select(i => i.ClassName).Order(StringComparer.Ordinal));
            }

            // CamVid: 30 frames; instances = 8-connected regions per class, void excluded, counted here by flood fill.
            var camvid = new LabelMapImporter(SharedData.Path("camvid-dev", "images"), SharedData.Path("camvid-dev", "labels"),
                SharedData.Path("camvid-dev", "classes.txt"), null, ["void"]).Read(new ImportTarget(customer, "camvid", "street"));
            var camvidSummary = await batch.RunAsync(camvid, null, CancellationToken.None);
            AssertAllAccepted(camvidSummary, 30);
            var expectedRegions = CountRegionsByFloodFill(SharedData.Path("camvid-dev", "labels"), voidId: 11);
            Assert.Equal(expectedRegions.Values.Sum(), camvidSummary.AcceptedInstances);

            // Every stored document holds what its source says, per image.
            foreach (var image in cocoSource.Images)
            {
                var document = await store.GetJsonAsync<AnnotationDocument>(AnnotationKeys.Ingested(customer, "coco", CocoTask.TaskIdOf(image)));
                Assert.Equal(cocoSource.Annotations.Count(a => a.ImageId == image.Id), document.Instances.Count);
                Assert.Equal((image.Width, image.Height), (document.Width, document.Height));
            }
            foreach (var (stem, regions) in expectedRegions)
            {
                var document = await store.GetJsonAsync<AnnotationDocument>(AnnotationKeys.Ingested(customer, "camvid", stem));
                Assert.Equal(regions, document.Instances.Count);
                Assert.True(document.FullScene);
            }

            // Events: AnnotationIngested and AnnotationNormalized for every image, over RabbitMQ.
            var total = 80 + 3 + 30;
            await WaitUntilAsync(() => ingested.Count >= total && normalized.Count >= total);
            Assert.Equal(total, ingested.Count);
            Assert.Equal(total, normalized.Count);
            Assert.Empty(rejected);

            // CamVid through the taxonomy: background classes dropped, road users kept.
            var camvidNormalized = normalized.Where(n => n.Key.StartsWith("camvid/", StringComparison.Ordinal)).Select(n => n.Value).ToList();
            var droppedBackground = camvidNormalized.Sum(n => n.DroppedCounts.GetValueOrDefault(TaxonomyNormalizer.DroppedBackground));
            var backgroundSource = CamVidInstancesOf(camvid, "Sky", "Road", "Building", "Tree", "Pavement", "Fence");
            Assert.True(droppedBackground > 0);
            Assert.Equal(backgroundSource, droppedBackground);
            var keptClasses = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var n in camvidNormalized)
            {
                var document = await store.GetJsonAsync<AnnotationDocument>(n.DocumentKey);
                Assert.DoesNotContain(document.Instances, i => i.SourceClassName is "Sky" or "Road" or "Building" or "Tree" or "Pavement");
                foreach (var instance in document.Instances)
                    keptClasses[$"{instance.SourceClassName} -> {instance.ClassName}"] = keptClasses.GetValueOrDefault($"{instance.SourceClassName} -> {instance.ClassName}") + 1;
            }
            Assert.Contains("Car -> car", keptClasses.Keys);
            Assert.Contains("Pedestrian -> person", keptClasses.Keys);
            Assert.Contains("Bicyclist -> rider", keptClasses.Keys);

            // Re-ingesting changes nothing: same keys, same bytes.
            var before = await SnapshotAsync(store, customer);
            var again = await batch.RunAsync([.. coco.Take(5), .. voc, .. camvid.Take(5)], null, CancellationToken.None);
            Assert.Equal(13, again.Accepted);
            var after = await SnapshotAsync(store, customer);
            Assert.Equal(before.Keys, after.Keys);
            Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(after[kv.Key]), $"{kv.Key} changed"));

            await observer.StopAsync();
            output.WriteLine($"coco-mini: {cocoSummary.Accepted} images, {cocoSummary.AcceptedInstances} instances");
            output.WriteLine($"voc-labelme: {vocSummary.Accepted} images, {vocSummary.AcceptedInstances} instances");
            output.WriteLine($"camvid-dev: {camvidSummary.Accepted} frames, {camvidSummary.AcceptedInstances} instances (flood fill: {expectedRegions.Values.Sum()})");
            output.WriteLine($"camvid taxonomy: dropped background {droppedBackground}; kept {string.Join(", ", keptClasses.Select(k => $"{k.Key}: {k.Value}"))}");
            output.WriteLine($"events: {ingested.Count} ingested, {normalized.Count} normalized, {rejected.Count} rejected; stored objects {before.Count}; wall time {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await host.StopAsync();
            await DeleteVirtualHostAsync(vhost);
        }
    }

    private static void AssertAllAccepted(IngestSummary summary, int expected)
    {
        var problems = summary.Outcomes.Where(o => !o.Accepted)
            .Select(o => $"{o.Rejected!.TaskId}: {string.Join("; ", o.Rejected.Reasons.Select(r => r.Code + " " + r.Detail))}")
            .Concat(summary.Failed.Select(f => $"{f.TaskId}: failed {f.Error}"));
        Assert.True(summary.Accepted == expected, $"{summary.Accepted} of {expected} accepted: {string.Join(" | ", problems)}");
    }

    private static int CamVidInstancesOf(IEnumerable<IngestRequest> requests, params string[] classNames) =>
        requests.Sum(r => r.Payload.Instances!.Count(i => classNames.Contains(i!.ClassName)));

    /// <summary>Regions per frame: 8-connected runs of one class id, void excluded, by an explicit-stack flood fill.</summary>
    private static SortedDictionary<string, int> CountRegionsByFloodFill(string labelsDir, int voidId)
    {
        var result = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(labelsDir, "*.png"))
        {
            using var image = ImageCodec.Decode(File.ReadAllBytes(path), new DecodeOptions { Mode = DecodeMode.Unchanged });
            int w = image.Width, h = image.Height;
            var labels = image.Pixels.ToArray();
            var seen = new bool[labels.Length];
            var regions = 0;
            var stack = new Stack<int>();
            for (var start = 0; start < labels.Length; start++)
            {
                if (seen[start] || labels[start] == voidId)
                    continue;
                regions++;
                var value = labels[start];
                seen[start] = true;
                stack.Push(start);
                while (stack.Count > 0)
                {
                    var p = stack.Pop();
                    int px = p % w, py = p / w;
                    for (var dy = -1; dy <= 1; dy++)
                    {
                        for (var dx = -1; dx <= 1; dx++)
                        {
                            int x = px + dx, y = py + dy;
                            if ((uint)x >= (uint)w || (uint)y >= (uint)h)
                                continue;
                            var q = (y * w) + x;
                            if (!seen[q] && labels[q] == value)
                            {
                                seen[q] = true;
                                stack.Push(q);
                            }
                        }
                    }
                }
            }
            result[Path.GetFileNameWithoutExtension(path)] = regions;
        }
        return result;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < Patience)
            await Task.Delay(200);
    }

    private static async Task<SortedDictionary<string, byte[]>> SnapshotAsync(IBlobStore store, string customer)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var prefix in new[] { $"images/{customer}/", $"annotations/ingested/{customer}/" })
        {
            await foreach (var key in store.ListAsync(prefix))
                result[key] = await store.GetBytesAsync(key);
        }
        return result;
    }

    private static HttpClient Management()
    {
        var amqp = Rig.RabbitMqUri;
        var http = new HttpClient { BaseAddress = Rig.RabbitMqManagementUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(amqp.UserInfo))));
        return http;
    }

    private static async Task<string> CreateVirtualHostAsync()
    {
        using var http = Management();
        var user = Uri.UnescapeDataString(Rig.RabbitMqUri.UserInfo.Split(':')[0]);
        var name = "ingest-it-" + Guid.NewGuid().ToString("N")[..10];
        (await http.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"api/permissions/{name}/{Uri.EscapeDataString(user)}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return name;
    }

    private static async Task DeleteVirtualHostAsync(string name)
    {
        using var http = Management();
        await http.DeleteAsync($"api/vhosts/{name}");
    }
}
