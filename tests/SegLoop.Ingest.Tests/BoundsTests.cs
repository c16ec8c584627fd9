using System.Text;
using System.Text.Json;
using MassTransit.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Importers;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using SegLoop.Storage.Local;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Ingest.Tests;

/// <summary>Small requests cause bounded work and bounded answers; imports never overwrite one task with another.</summary>
public sealed class BoundsTests
{
    private static async Task<(int Status, WebhookResponse Answer, int Bytes)> PostAsync(IngestTestHost host, byte[] body)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "POST";
        http.Request.Headers[WebhookHandler.SecretHeader] = IngestTestHost.Secret;
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        var result = await scope.ServiceProvider.GetRequiredService<WebhookHandler>().HandleAsync(http, CancellationToken.None);
        var json = Assert.IsType<JsonHttpResult<WebhookResponse>>(result);
        return (json.StatusCode ?? 200, json.Value!, JsonSerializer.SerializeToUtf8Bytes(json.Value, JsonDefaults.Options).Length);
    }

    private static byte[] BodyWithInstances(int count, string instance)
    {
        var body = new StringBuilder("""{"taskId":"many","customer":"acme","project":"roads","domain":"street","image":"uploads/acme/w.png","instances":[""");
        for (var i = 0; i < count; i++)
            body.Append(i == 0 ? "" : ",").Append(instance);
        return Encoding.UTF8.GetBytes(body.Append("]}").ToString());
    }

    [Fact]
    public async Task Webhook_MillionEmptyInstances_OneReasonWithoutLookingAtThem()
    {
        await using var host = await IngestTestHost.StartAsync(new Dictionary<string, string?> { ["Ingest:Webhook:MaxBodyBytes"] = "8388608" });

        var (status, answer, bytes) = await PostAsync(host, BodyWithInstances(1_000_000, "{}"));

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal(RejectionCodes.TooManyInstances, Assert.Single(answer.Reasons!).Code);
        Assert.True(bytes < 4096, $"answer is {bytes} bytes");
        var published = host.Harness.Published.Select<AnnotationRejected>().Single().Context.Message;
        Assert.Equal(answer.Reasons, published.Reasons);
        Assert.Equal(("many", "acme", "roads"), (published.TaskId, published.Customer, published.Project));
    }

    [Fact]
    public void TaskBodyOutline_NestedInstances_CountsTopLevelOnes()
    {
        var body = """{"taskId":"t","Instances":[{"id":1,"polygons":[[1,2,3,4,5,6],[1,2,3,4,5,6]]},{"rle":{"size":[2,2],"counts":[4]}},null],"customer":"c","project":"p","other":{"instances":[1,2,3,4]}}"""u8;
        Assert.Equal(new TaskBodyOutline(3, "t", "c", "p"), TaskBodyOutline.Scan(body));
        Assert.Null(TaskBodyOutline.Scan("[1,2]"u8));
        Assert.Null(TaskBodyOutline.Scan("{\"instances\":[{},"u8));
    }

    [Fact]
    public async Task Webhook_ThousandsOfBadInstances_HundredReasonsAndACount()
    {
        await using var host = await IngestTestHost.StartAsync(new Dictionary<string, string?> { ["Ingest:Webhook:MaxBodyBytes"] = "8388608" });

        // 9000 instances (under Ingest:MaxInstances) each with three problems: 27000 reasons before the bound.
        var (status, answer, bytes) = await PostAsync(host, BodyWithInstances(9000, "{}"));

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal(Rejections.MaxReasons + 1, answer.Reasons!.Count);
        var more = answer.Reasons[^1];
        Assert.Equal(RejectionCodes.MoreReasons, more.Code);
        Assert.Contains($"{(9000 * 3) - Rejections.MaxReasons} more reasons", more.Detail, StringComparison.Ordinal);
        Assert.True(bytes < 64 * 1024, $"answer is {bytes} bytes");
        var published = host.Harness.Published.Select<AnnotationRejected>().Single().Context.Message;
        Assert.Equal(Rejections.MaxReasons + 1, published.Reasons.Count);
    }

    [Fact]
    public async Task Webhook_HugeInstanceIdsAndTaskId_RejectionTextsCut()
    {
        await using var host = await IngestTestHost.StartAsync(new Dictionary<string, string?> { ["Ingest:Webhook:MaxBodyBytes"] = "8388608" });
        var id = new string('i', 100_000);
        var body = Encoding.UTF8.GetBytes($$"""{"taskId":"{{new string('t', 100_000)}}","customer":"acme","instances":[{"id":"{{id}}"},{"id":"{{id}}"}]}""");

        var (status, answer, bytes) = await PostAsync(host, body);

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.True(bytes < 64 * 1024, $"answer is {bytes} bytes");
        Assert.All(answer.Reasons!, r => Assert.True(r.Detail.Length <= Rejections.MaxDetailLength && (r.Item?.Length ?? 0) <= Rejections.MaxNameLength));
        Assert.True(answer.TaskId!.Length <= Rejections.MaxNameLength);
    }

    [Fact]
    public async Task Processor_MaskOverMaxMaskBytes_RejectedUnread()
    {
        await using var host = await IngestTestHost.StartAsync(new Dictionary<string, string?> { ["Ingest:MaxMaskBytes"] = "4096" });
        await host.Store.PutBytesAsync("uploads/acme/w.png", TestImages.Png(64, 48));
        await host.Store.PutBytesAsync("masks/acme/huge.png", new byte[1 << 20]);

        var outcome = await host.Processor.ProcessAsync(new IngestRequest(Task(Enumerable.Range(0, 3).Select(i => MaskInstance($"m{i}", "masks/acme/huge.png"))),
            EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None);

        var reasons = outcome.Rejected!.Reasons;
        Assert.Equal(3, reasons.Count);
        Assert.All(reasons, r => Assert.Equal(RejectionCodes.MaskTooLarge, r.Code));
        Assert.Contains("Ingest:MaxMaskBytes", reasons[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Processor_ManyInstancesOfOneMask_MaskReadOnce()
    {
        var root = Directory.CreateTempSubdirectory("segloop-mask-once-");
        try
        {
            var store = new CountingStore(new LocalFolderBlobStore(root.FullName));
            await store.PutBytesAsync("uploads/acme/w.png", TestImages.Png(64, 48));
            await store.PutBytesAsync("masks/acme/one.png", TestImages.MaskPng(64, 48, 4, 4, 20, 20));
            await store.PutBytesAsync("masks/acme/two.png", TestImages.MaskPng(64, 48, 30, 4, 50, 20));
            var processor = new IngestProcessor(store, Options.Create(new IngestOptions()), new NoHttp(), NullLogger<IngestProcessor>.Instance);

            var instances = Enumerable.Range(0, 200).Select(i => MaskInstance($"m{i}", i % 2 == 0 ? "masks/acme/one.png" : "masks/acme/two.png"));
            var outcome = await processor.ProcessAsync(new IngestRequest(Task(instances), EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None);

            Assert.True(outcome.Accepted, string.Join("; ", outcome.Rejected?.Reasons.Select(r => r.Detail) ?? []));
            Assert.Equal(200, outcome.Ingested!.InstanceCount);
            Assert.Equal(1, store.Reads["masks/acme/one.png"]);
            Assert.Equal(1, store.Reads["masks/acme/two.png"]);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Webhook_MasksOverDecodedPixelBudget_RejectedNamingTheBudgetWithNoMaskDecoded()
    {
        // 64 x 48 = 3072 pixels: the image and two masks (9216) fit 10000, the image and three (12288) do not.
        await using var host = await IngestTestHost.StartAsync(new Dictionary<string, string?> { ["Ingest:MaxDecodedPixelsPerTask"] = "10000" });
        await host.Store.PutBytesAsync("uploads/acme/w.png", TestImages.Png(64, 48));
        await host.Store.PutBytesAsync("masks/acme/one.png", TestImages.MaskPng(64, 48, 4, 4, 20, 20));
        await host.Store.PutBytesAsync("masks/acme/two.png", TestImages.MaskPng(64, 48, 30, 4, 50, 20));
        // Not images at all: decoding any of them would add a mask-unreadable reason.
        foreach (var name in new[] { "a", "b", "c" })
            await host.Store.PutBytesAsync($"masks/acme/{name}.png", "not a png"u8.ToArray());

        var over = Enumerable.Range(0, 30).Select(i => MaskInstance($"m{i}", $"masks/acme/{"abc"[i % 3]}.png"));
        var (status, _, _) = await PostAsync(host, JsonSerializer.SerializeToUtf8Bytes(Task(over) with { TaskId = "over" }, PayloadJson.Options));
        Assert.Equal(StatusCodes.Status202Accepted, status);
        var within = Enumerable.Range(0, 30).Select(i => MaskInstance($"m{i}", i % 2 == 0 ? "masks/acme/one.png" : "masks/acme/two.png"));
        (status, _, _) = await PostAsync(host, JsonSerializer.SerializeToUtf8Bytes(Task(within) with { TaskId = "within" }, PayloadJson.Options));
        Assert.Equal(StatusCodes.Status202Accepted, status);

        var reason = Assert.Single((await PublishedAsync<AnnotationRejected>(host, m => m.TaskId == "over")).Reasons);
        Assert.Equal(RejectionCodes.DecodedPixelsOverBudget, reason.Code);
        Assert.StartsWith("The task would decode 12288 pixels: the 64x48 image and 3 distinct masks of its size; at most 10000", reason.Detail, StringComparison.Ordinal);
        Assert.Contains("(Ingest:MaxDecodedPixelsPerTask)", reason.Detail, StringComparison.Ordinal);
        Assert.Equal(30, (await PublishedAsync<AnnotationIngested>(host, m => m.TaskId == "within")).InstanceCount);
    }

    /// <summary>
    /// The first <typeparamref name="T"/> published that matches, waited for up to a minute: the harness's own wait gives
    /// up after 1.2 s without bus activity, which a loaded machine decoding an image can exceed.
    /// </summary>
    private static async Task<T> PublishedAsync<T>(IngestTestHost host, Func<T, bool> match)
        where T : class
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (host.Harness.Published.Select<T>().Select(m => m.Context.Message).FirstOrDefault(match) is { } found)
                return found;
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"no matching {typeof(T).Name} published within a minute");
            await System.Threading.Tasks.Task.Delay(50);
        }
    }

    [Fact]
    public async Task Processor_MaskOfAnotherSize_RefusedFromItsHeaderUndecoded()
    {
        await using var host = await IngestTestHost.StartAsync();
        await host.Store.PutBytesAsync("uploads/acme/w.png", TestImages.Png(64, 48));
        // A 96 x 48 PNG cut after its header: decoding it would fail as truncated, its header says the size.
        var cut = TestImages.MaskPng(96, 48, 0, 0, 10, 10);
        await host.Store.PutBytesAsync("masks/acme/wide.png", cut.AsSpan(0, 40).ToArray());

        var outcome = await host.Processor.ProcessAsync(new IngestRequest(Task([MaskInstance("m", "masks/acme/wide.png")]), EntryPoints.Bus, SourceFormats.Webhook),
            CancellationToken.None);

        var reason = Assert.Single(outcome.Rejected!.Reasons);
        Assert.Equal(RejectionCodes.MaskSizeMismatch, reason.Code);
        Assert.Equal("Instance 'm' mask 'masks/acme/wide.png' is 96x48 but the image is 64x48.", reason.Detail);
    }

    [Fact]
    public async Task CocoImport_SameStemInTwoFoldersOrTwoFormats_EveryFileItsOwnDocument()
    {
        await using var host = await IngestTestHost.StartAsync();
        var images = Directory.CreateTempSubdirectory("segloop-coco-stems-");
        try
        {
            var names = new[] { "a/x.png", "b/x.png", "same.png", "same.jpg" };
            foreach (var name in names)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(images.FullName, name))!);
                await File.WriteAllBytesAsync(Path.Combine(images.FullName, name), TestImages.Png(64, 48));
            }
            // Image 5 names a/x.png again: a true duplicate, refused by name.
            var json = JsonSerializer.Serialize(new
            {
                images = names.Select((n, i) => new { id = i + 1, file_name = n, width = 64, height = 48 }).Append(new { id = 5, file_name = "a/x.png", width = 64, height = 48 }),
                annotations = Enumerable.Range(1, 5).Select(i => new { id = 100 + i, image_id = i, category_id = 1, segmentation = new[] { new[] { 5.0, 5, 40, 5, 40, 30 } }, iscrowd = 0 }),
                categories = new[] { new { id = 1, name = "car" } },
            });
            var annotations = Path.Combine(images.FullName, "annotations.json");
            await File.WriteAllTextAsync(annotations, json);

            var requests = await new CocoImporter(annotations, new FolderImageSource(images.FullName)).Open(new ImportTarget("acme", "coco", "street"), CancellationToken.None).ToListAsync();
            var summary = await new IngestBatch(host.Processor, host.Harness.Bus).RunAsync(requests, null, CancellationToken.None);

            Assert.Equal(4, summary.Accepted);
            Assert.Equal(1, summary.Rejected);
            var duplicate = Assert.Single(summary.Outcomes.Single(o => !o.Accepted).Rejected!.Reasons);
            Assert.Equal(RejectionCodes.DuplicateTask, duplicate.Code);
            Assert.Contains("a/x.png", duplicate.Detail, StringComparison.Ordinal);
            var documents = new List<string>();
            await foreach (var key in host.Store.ListAsync("annotations/ingested/acme/coco/"))
                documents.Add(key);
            Assert.Equal(4, documents.Count);
            Assert.Equal(4, summary.Outcomes.Where(o => o.Accepted).Select(o => o.Ingested!.DocumentKey).Distinct().Count());
        }
        finally
        {
            images.Delete(recursive: true);
        }
    }

    [Fact]
    public void LabelMap_IsolatedPixelsAndRandomRegions_SameRegionsAsOneMaskPerRegion()
    {
        var dir = Directory.CreateTempSubdirectory("segloop-labelmap-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "images"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "labels"));
            File.WriteAllText(Path.Combine(dir.FullName, "classes.txt"), "0 Void\n1 Dot\n2 Blob\n3 Car\n");
            const int W = 120, H = 90;
            var isolated = new byte[W * H];
            for (var y = 0; y < H; y += 2)
                for (var x = 0; x < W; x += 2)
                    isolated[(y * W) + x] = 1;
            var random = new byte[W * H];
            var rng = new Random(20);
            for (var i = 0; i < random.Length; i++)
                random[i] = (byte)rng.Next(0, 4);
            foreach (var (stem, labels) in new[] { ("isolated", isolated), ("random", random) })
            {
                using var image = Image.FromPixels(W, H, 1, labels);
                File.WriteAllBytes(Path.Combine(dir.FullName, "labels", stem + ".png"), image.EncodePng());
                File.WriteAllBytes(Path.Combine(dir.FullName, "images", stem + ".png"), TestImages.Png(W, H));
            }

            var requests = new LabelMapImporter(Path.Combine(dir.FullName, "images"), Path.Combine(dir.FullName, "labels"),
                Path.Combine(dir.FullName, "classes.txt"), null, ["void"]).Read(new ImportTarget("acme", "maps", "street"));

            foreach (var (request, labels) in requests.Zip(new[] { isolated, random }))
            {
                var expected = ReferenceRegions(labels, W, H, ignored: 0);
                var actual = request.Payload.Instances!.ToDictionary(i => i!.Id!, i => RleMask.FromCompressedString(H, W, i!.Rle!.Counts.GetString()!));
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
                Assert.All(expected, e => Assert.Equal(e.Value, actual[e.Key]));
            }
            Assert.Equal((W / 2) * (H / 2), requests[0].Payload.Instances!.Count);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>What the importer gave before: a full-size mask per region of each class, encoded on its own.</summary>
    private static Dictionary<string, RleMask> ReferenceRegions(byte[] labels, int w, int h, int ignored)
    {
        var result = new Dictionary<string, RleMask>(StringComparer.Ordinal);
        foreach (var classId in labels.Distinct().Where(c => c != ignored))
        {
            var components = MaskOps.ConnectedComponents(Mask.FromBytes(w, h, labels.Select(v => v == classId ? (byte)1 : (byte)0).ToArray()), LabelMapImporter.Connectivity);
            var span = components.Labels.ToArray();
            foreach (var component in components.Components)
                result[$"{classId}-{component.Label}"] = RleMask.Encode(span.Select(l => l == component.Label ? (byte)1 : (byte)0).ToArray(), h, w);
        }
        return result;
    }

    private static TaskPayload Task(IEnumerable<PayloadInstance> instances) => new()
    {
        TaskId = "t", Customer = "acme", Project = "roads", Domain = "street", Image = "uploads/acme/w.png", Instances = instances.ToList(),
    };

    private static PayloadInstance MaskInstance(string id, string key) => new() { Id = id, ClassName = "car", MaskKey = key };

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("no downloads in this test");
    }

    private sealed class CountingStore(IBlobStore inner) : IBlobStore
    {
        public Dictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

        public Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
            inner.PutAsync(key, content, contentType, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Reads[key] = Reads.GetValueOrDefault(key) + 1;
            return inner.OpenReadAsync(key, cancellationToken);
        }

        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }
}
