using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SegLoop.Contracts;
using SegLoop.Importers;
using SegLoop.Ingest;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using SegLoop.Testing;
using Xunit.Abstractions;

namespace SegLoop.Chaos.Tests;

/// <summary>
/// A hostile-input corpus, made here by code: malformed, extreme and lying inputs through the webhook of the real
/// Ingest worker process, through the importers, and as messages on the real queues (Ingest and Inference workers as
/// processes). Each must end in a clear rejection that names its reason (HTTP 4xx with reasons, AnnotationRejected,
/// PreAnnotationFailed, or an error-queue entry with its exception); no worker may die; peak memory is printed and
/// bounded; and no secret may appear in any worker log (the workers log at Debug here).
/// </summary>
[Trait("Category", "Chaos")]
[Collection(SharedBrokerCollection.Name)]
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const string Customer = "hostile";
    private const string Project = "p";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const long MaxPeakRssKiB = 2L * 1024 * 1024; // 2 GiB per worker, against bombs that would need tens of GiB

    private sealed record Case(string Name, string EntryPoint, Func<Task<string>> Run, Func<string, bool> Expected);

    [Fact]
    public async Task HostileCorpus_EveryEntryPoint_ClearRejectionNoCrashBoundedMemory()
    {
        await using var rig = await PipelineRig.StartAsync(logLevel: "Debug");
        var ingest = rig.Workers["Ingest"];
        var inference = rig.Workers["Inference"];
        using var http = new HttpClient { BaseAddress = ingest.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        var jpeg = await File.ReadAllBytesAsync(Directory.EnumerateFiles(SharedData.CocoMiniImages, "*.jpg").Order(StringComparer.Ordinal).First());
        await rig.Store.PutBytesAsync("hostile/ok.jpg", jpeg);

        async Task<string> Post(byte[] body, string? secret = "", string? contentType = "application/json")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, WebhookHandler.Route) { Content = new ByteArrayContent(body) };
            if (contentType is not null)
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            if (secret is not null)
                request.Headers.Add(WebhookHandler.SecretHeader, secret.Length == 0 ? rig.WebhookSecret : secret);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request);
            }
            catch (HttpRequestException e)
            {
                return $"connection closed by the server while sending ({e.Message})";
            }
            using var _ = response;
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status == 202)
            {
                var id = JsonDocument.Parse(text).RootElement.GetProperty("taskId").GetString()!;
                return "202 then " + await WaitRejectedOrIngested(rig, id);
            }
            return $"{status} {Reasons(text)}";
        }
        Task<string> PostJson(object payload) => Post(JsonSerializer.SerializeToUtf8Bytes(payload, PayloadJson.Options));
        Task<string> PostText(string json) => Post(Encoding.UTF8.GetBytes(json));
        object Task(string id, object? instances = null, string image = "hostile/ok.jpg", object? extra = null) => Merge(new Dictionary<string, object?>
        {
            ["taskId"] = id, ["customer"] = Customer, ["project"] = Project, ["domain"] = "everyday", ["image"] = image,
            ["instances"] = instances ?? new[] { new Dictionary<string, object?> { ["id"] = "1", ["className"] = "person", ["polygons"] = new[] { new double[] { 10, 10, 60, 10, 60, 60 } } } },
        }, extra);
        async Task<string> PostWithImage(string id, byte[] image)
        {
            await rig.Store.PutBytesAsync($"hostile/{id}.img", image);
            return await PostJson(Task(id, image: $"hostile/{id}.img"));
        }
        async Task<string> PublishTask(string id, string annotationKey, string sourceFormat = SourceFormats.Webhook)
        {
            await rig.Bus.Publish(new AnnotationTaskCompleted
            {
                TaskId = id, Customer = Customer, Project = Project, Domain = "everyday", ImageKey = "hostile/ok.jpg",
                AnnotationKey = annotationKey, SourceFormat = sourceFormat,
            });
            return await WaitRejectedOrError(rig, id);
        }
        async Task<string> Request(PreAnnotationRequested request)
        {
            await rig.Bus.Publish(request);
            return await WaitAnswer(rig, request.RequestId);
        }
        async Task<string> RawEnvelope(string queue, string body)
        {
            var depths = await rig.Admin.QueueDepthsAsync(rig.VirtualHost);
            var before = depths.GetValueOrDefault(queue + "_error") + depths.GetValueOrDefault(queue + "_skipped");
            return await rig.Admin.PublishRawAsync(rig.VirtualHost, queue, body) ? await WaitErrorQueueGrowth(rig, queue, before) : "not routed";
        }
        // NaN and Infinity cannot even be serialized by MassTransit's JSON serializer, so they arrive hand-written.
        async Task<string> RawRequest(string id, string message)
        {
            const string Queue = "pre-annotation-requested";
            var depths = await rig.Admin.QueueDepthsAsync(rig.VirtualHost);
            var before = depths.GetValueOrDefault(Queue + "_error") + depths.GetValueOrDefault(Queue + "_skipped");
            var envelope = "{\"messageId\":\"" + Guid.NewGuid() + "\",\"messageType\":[\"urn:message:segloop:pre-annotation-requested\"],\"message\":" + message + "}";
            if (!await rig.Admin.PublishRawAsync(rig.VirtualHost, Queue, envelope))
                return "not routed";
            var answer = WaitAnswer(rig, id);
            var fault = WaitErrorQueueGrowth(rig, Queue, before);
            return await await System.Threading.Tasks.Task.WhenAny(answer, fault);
        }
        static PreAnnotationRequested Req(string id, string image = "hostile/ok.jpg", string? model = null, params Prompt[] prompts) =>
            new() { RequestId = id, ImageKey = image, Model = model, Prompts = prompts.Length > 0 ? prompts : [new Prompt { Box = new BoundingBox(10, 10, 50, 50) }] };

        var rejectedWith = (string code) => (Func<string, bool>)(o => o.Contains(code, StringComparison.Ordinal));
        var cases = new List<Case>
        {
            new("no secret header", "webhook", () => Post("{}"u8.ToArray(), secret: null), o => o.StartsWith("401", StringComparison.Ordinal)),
            new("wrong secret", "webhook", () => Post("{}"u8.ToArray(), secret: "wrong-secret-0123456789"), o => o.StartsWith("401", StringComparison.Ordinal)),
            new("malformed JSON", "webhook", () => PostText("{\"taskId\": \"a\", "), rejectedWith("400 invalid-json")),
            new("empty body", "webhook", () => Post([]), rejectedWith("400 invalid-json")),
            new("JSON null", "webhook", () => PostText("null"), rejectedWith("400 invalid-json")),
            new("array instead of object", "webhook", () => PostText("[1,2,3]"), rejectedWith("400 invalid-json")),
            new("binary garbage", "webhook", () => Post(Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray(), contentType: "application/octet-stream"), rejectedWith("400 invalid-json")),
            new("nested 10,000 deep", "webhook", () => PostText("{\"instances\":" + new string('[', 10_000) + new string(']', 10_000) + "}"), rejectedWith("400 invalid-json")),
            new("nested objects 10,000 deep", "webhook", () => PostText(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)), rejectedWith("400")),
            new("body 20 MiB (declared)", "webhook", () => Post(new byte[20 * 1024 * 1024]), rejectedWith("413 body-too-large")),
            // Without a declared length the server learns the size only at the limit; it answers 413 and closes the
            // connection. Whether the client reads that answer or first sees the close while still sending is a race
            // (lost under load), so both count as the refusal; the worker staying up and bounded is checked below.
            new("body 20 MiB (chunked)", "webhook", () => PostChunked(http, rig.WebhookSecret, 20 * 1024 * 1024),
                o => o.Contains("413 body-too-large", StringComparison.Ordinal) || o.StartsWith("connection closed by the server while sending", StringComparison.Ordinal)),
            new("wrong types", "webhook", () => PostText("{\"taskId\": {\"x\": 1}, \"instances\": \"many\"}"), rejectedWith("400 invalid-json")),
            new("missing fields", "webhook", () => PostText("{}"), rejectedWith("400 missing-field")),
            new("NaN coordinate", "webhook", () => PostText(JsonSerializer.Serialize(Task("nan")).Replace("[10,10,60,10,60,60]", "[\"NaN\",10,60,10,60,60]", StringComparison.Ordinal)), rejectedWith("non-finite-coordinates")),
            new("Infinity coordinate", "webhook", () => PostText(JsonSerializer.Serialize(Task("inf")).Replace("[10,10,60,10,60,60]", "[\"Infinity\",10,60,10,60,60]", StringComparison.Ordinal)), rejectedWith("non-finite-coordinates")),
            new("number 1e400", "webhook", () => PostText(JsonSerializer.Serialize(Task("big")).Replace("[10,10,60,10,60,60]", "[1e400,10,60,10,60,60]", StringComparison.Ordinal)), o => o.StartsWith("400", StringComparison.Ordinal)),
            new("negative width", "webhook", () => PostJson(Task("negw", extra: new Dictionary<string, object?> { ["width"] = -640, ["height"] = -480 })), o => o.StartsWith("400", StringComparison.Ordinal) || o.Contains("rejected", StringComparison.Ordinal)),
            new("header size lies (declared 64x64)", "webhook", () => PostJson(Task("size-lie", extra: new Dictionary<string, object?> { ["width"] = 64, ["height"] = 64 })), rejectedWith("image-size-mismatch")),
            new("polygon of 2 points", "webhook", () => PostJson(Task("fewpts", new object[] {new { id = "1", className = "person", polygons = new[] { new double[] { 1, 1, 5, 5 } } }})), rejectedWith("polygon")),
            new("polygon with 1,000,000 points", "webhook", () => PostJson(Task("million", new object[] {new { id = "1", className = "person", polygons = new[] { MillionPoints() } }})), o => o.StartsWith("400", StringComparison.Ordinal) || o.Contains("ingested", StringComparison.Ordinal) || o.Contains("rejected", StringComparison.Ordinal)),
            new("polygon far out of bounds", "webhook", () => PostJson(Task("oob", new object[] {new { id = "1", className = "person", polygons = new[] { new double[] { -1e9, -1e9, 1e9, -1e9, 1e9, 1e9 } } }})), rejectedWith("coordinates-out-of-bounds")),
            new("RLE counts overflow", "webhook", () => PostJson(Task("rle-ovf", new object[] {new { id = "1", className = "person", rle = new { size = new[] { 480, 640 }, counts = new long[] { 2147483647, 2147483647, 2147483647 } } }})), rejectedWith("rle")),
            new("RLE counts negative", "webhook", () => PostJson(Task("rle-neg", new object[] {new { id = "1", className = "person", rle = new { size = new[] { 480, 640 }, counts = new long[] { -5, 307205 } } }})), rejectedWith("rle")),
            new("RLE compressed garbage", "webhook", () => PostJson(Task("rle-garbage", new object[] {new { id = "1", className = "person", rle = new { size = new[] { 480, 640 }, counts = "\u007f\u007f~~zz" } }})), rejectedWith("rle")),
            new("RLE huge size", "webhook", () => PostJson(Task("rle-size", new object[] {new { id = "1", className = "person", rle = new { size = new[] { 2_000_000_000, 2_000_000_000 }, counts = new long[] { 1 } } }})), rejectedWith("rle")),
            new("path traversal image key", "webhook", () => PostJson(Task("trav", image: "../../etc/passwd")), rejectedWith("unsafe-key")),
            new("absolute image key", "webhook", () => PostJson(Task("abs", image: "/etc/passwd")), rejectedWith("unsafe-key")),
            new("mask key traversal", "webhook", () => PostJson(Task("masktrav", new object[] {new { id = "1", className = "person", maskKey = "../../../etc/shadow" }})), rejectedWith("unsafe-key")),
            new("image URL when disabled", "webhook", () => PostJson(Task("url", image: "http://169.254.169.254/latest/meta-data")), rejectedWith("image-urls-disabled")),
            new("control chars in class name", "webhook", () => PostJson(Task("ctrl", new object[] { new { id = "1", className = "per\u0000son\u001b[31m", polygons = new[] { new double[] { 10, 10, 60, 10, 60, 60 } } } })), rejectedWith("invalid-class-name")),
            new("control chars in task id", "webhook", () => PostJson(Task("bad\u0007id\r\n")), o => o.StartsWith("400", StringComparison.Ordinal)),
            new("duplicated instance ids", "webhook", () => PostJson(Task("dupinst", new object[] {new { id = "1", className = "person", polygons = new[] { new double[] { 10, 10, 60, 10, 60, 60 } } }, new { id = "1", className = "person", polygons = new[] { new double[] { 10, 10, 60, 10, 60, 60 } } }})), rejectedWith("duplicate-instance-id")),
            new("duplicated task id (sent twice)", "webhook", async () =>
            {
                var first = await PostJson(Task("same-task"));
                var second = await PostJson(Task("same-task"));
                var documents = 0;
                await foreach (var _ in rig.Store.ListAsync($"annotations/ingested/{Customer}/{Project}/same-task"))
                    documents++;
                return $"{first} / {second}; stored documents {documents}";
            }, o => o.Contains("ingested", StringComparison.Ordinal) && o.EndsWith("stored documents 1", StringComparison.Ordinal)),
            new("zero-byte image", "webhook", () => PostWithImage("img-empty", []), rejectedWith("image-unreadable")),
            new("text as image", "webhook", () => PostWithImage("img-text", "hello, I am not a JPEG"u8.ToArray()), rejectedWith("image-unreadable")),
            new("truncated JPEG", "webhook", () => PostWithImage("img-trunc-jpg", jpeg[..(jpeg.Length / 3)]), rejectedWith("image-unreadable")),
            new("truncated PNG", "webhook", () => PostWithImage("img-trunc-png", HostileImages.Png(64, 64)[..60]), rejectedWith("image-unreadable")),
            new("JPEG header says 60000x60000", "webhook", () => PostWithImage("img-jpeg-lie", HostileImages.JpegWithSize(jpeg, 60000, 60000)), rejectedWith("image-too-large")),
            new("PNG header says 50000x50000, 1 KiB data", "webhook", () => PostWithImage("img-png-lie", HostileImages.Png(50000, 50000, dataRows: 1)), rejectedWith("image-too-large")),
            new("PNG decompression bomb 20000x20000", "webhook", () => PostWithImage("img-png-bomb", HostileImages.Png(20000, 20000)), rejectedWith("image-too-large")),
            new("task payload key traversal", "message", () => PublishTask("msg-trav", "../../etc/passwd"), o => o.Contains("error queue", StringComparison.Ordinal) || o.Contains("rejected", StringComparison.Ordinal)),
            new("task payload absolute key", "message", () => PublishTask("msg-abs", "/etc/passwd"), o => o.Contains("error queue", StringComparison.Ordinal) || o.Contains("rejected", StringComparison.Ordinal)),
            new("task payload missing", "message", () => PublishTask("msg-missing", "incoming/none/none/none.json"), o => o.Contains("error queue", StringComparison.Ordinal)),
            new("unknown source format", "message", () => PublishTask("msg-format", "x.json", "protobuf-v9"), rejectedWith("unsupported-source-format")),
            new("envelope not JSON", "message", () => RawEnvelope("annotation-task-completed", "\u0000\u0001 not json"), o => o.Contains("error queue", StringComparison.Ordinal)),
            new("envelope nested 10,000 deep", "message", () => RawEnvelope("annotation-task-completed", "{\"message\":" + new string('[', 10_000) + new string(']', 10_000) + "}"), o => o.Contains("error queue", StringComparison.Ordinal)),
            new("unknown model name", "message", () => Request(Req("h-model", model: "../../evil")), rejectedWith("failed:unknown-model")),
            new("unknown model (well-formed name)", "message", () => Request(Req("h-model2", model: "u2net-does-not-exist")), rejectedWith("failed:unknown-model")),
            new("request image traversal", "message", () => Request(Req("h-trav", image: "../../etc/passwd")), o => o.StartsWith("failed:", StringComparison.Ordinal)),
            new("request absolute image key", "message", () => Request(Req("h-abs", image: "/etc/passwd")), o => o.StartsWith("failed:", StringComparison.Ordinal)),
            new("request id with path", "message", () => Request(Req("../../x")), o => o.StartsWith("failed:bad-request", StringComparison.Ordinal) || o.Contains("error queue", StringComparison.Ordinal)),
            new("NaN box (raw envelope)", "message", () => RawRequest("h-nan", "{\"requestId\":\"h-nan\",\"imageKey\":\"hostile/ok.jpg\",\"prompts\":[{\"box\":{\"x\":\"NaN\",\"y\":1,\"width\":10,\"height\":10}}]}"), o => o.StartsWith("failed:", StringComparison.Ordinal) || o.Contains("error queue", StringComparison.Ordinal)),
            new("negative box size", "message", () => Request(Req("h-neg", prompts: new Prompt { Box = new BoundingBox(10, 10, -50, -50) })), o => o.StartsWith("failed:", StringComparison.Ordinal)),
            new("no prompts", "message", () => Request(new PreAnnotationRequested { RequestId = "h-none", ImageKey = "hostile/ok.jpg", Prompts = [] }), rejectedWith("failed:bad-prompt")),
            new("threshold Infinity (raw envelope)", "message", () => RawRequest("h-thr", "{\"requestId\":\"h-thr\",\"imageKey\":\"hostile/ok.jpg\",\"threshold\":\"Infinity\",\"prompts\":[{\"box\":{\"x\":1,\"y\":1,\"width\":10,\"height\":10}}]}"), o => o.StartsWith("failed:", StringComparison.Ordinal) || o.Contains("error queue", StringComparison.Ordinal)),
            new("threshold 7", "message", () => Request(Req("h-thr7") with { Threshold = 7 }), rejectedWith("failed:bad-prompt")),
            new("request on a PNG bomb", "message", async () => { await rig.Store.PutBytesAsync("hostile/bomb.png", HostileImages.Png(20000, 20000)); return await Request(Req("h-bomb", image: "hostile/bomb.png")); }, o => o.StartsWith("failed:", StringComparison.Ordinal)),
        };
        cases.AddRange(ImporterCases(jpeg));

        var table = new List<(string Case, string Entry, string Outcome, bool Ok)>();
        foreach (var c in cases)
        {
            string outcome;
            try
            {
                outcome = await c.Run();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                outcome = $"test error {e.GetType().Name}: {e.Message}";
            }
            outcome = Oneline(outcome);
            table.Add((c.Name, c.EntryPoint, outcome, c.Expected(outcome)));
        }

        output.WriteLine($"{"case",-42} {"entry point",-12} {"ok",-3} outcome");
        foreach (var row in table)
            output.WriteLine($"{row.Case,-42} {row.Entry,-12} {(row.Ok ? "yes" : "NO"),-3} {row.Outcome}");
        foreach (var worker in rig.Workers.Values)
            output.WriteLine($"{worker.Name}: alive {worker.IsAlive}, /healthz/live {await worker.GetStatusAsync("healthz/live")}, starts {worker.Starts}, peak RSS {worker.SamplePeakRss() / 1024} MiB");
        var leaks = rig.LogLinesWithSecrets();
        output.WriteLine($"{cases.Count} cases; log lines holding a secret: {leaks.Count}");

        Assert.True(cases.Count >= 40);
        Assert.All(table, row => Assert.True(row.Ok, $"{row.Case} ({row.Entry}): {row.Outcome}"));
        foreach (var worker in rig.Workers.Values)
        {
            Assert.Equal(1, worker.Starts);
            Assert.Equal(200, await worker.GetStatusAsync("healthz/live"));
            Assert.InRange(worker.SamplePeakRss(), 1, MaxPeakRssKiB);
        }
        Assert.Empty(leaks);
        _ = inference;
    }

    /// <summary>The bulk importers (what <c>segloop ingest coco</c> runs) with hostile files, through the same IngestProcessor.</summary>
    private static IEnumerable<Case> ImporterCases(byte[] jpeg)
    {
        async Task<string> Coco(string json, Dictionary<string, byte[]>? images = null)
        {
            var dir = Directory.CreateTempSubdirectory("segloop-hostile-");
            try
            {
                var annotations = Path.Combine(dir.FullName, "instances.json");
                await File.WriteAllTextAsync(annotations, json);
                foreach (var (name, bytes) in images ?? [])
                    await File.WriteAllBytesAsync(Path.Combine(dir.FullName, name), bytes);
                IReadOnlyList<IngestRequest> requests;
                try
                {
                    requests = await new CocoImporter(annotations, new FolderImageSource(dir.FullName)).Open(new ImportTarget(Customer, "cli", "everyday"), CancellationToken.None).ToListAsync();
                }
                catch (Exception e) when (e is JsonException or InvalidDataException or FormatException)
                {
                    return $"refused: {e.GetType().Name}: {e.Message}";
                }
                var processor = Processor(Path.Combine(dir.FullName, "store"));
                var outcomes = new List<string>();
                foreach (var r in requests)
                {
                    var outcome = await processor.ProcessAsync(r, CancellationToken.None);
                    outcomes.Add(outcome.Accepted ? "ingested" : "rejected " + string.Join(",", outcome.Rejected!.Reasons.Select(x => x.Code).Distinct()));
                }
                return string.Join("; ", outcomes);
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }
        const string Head = "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":640,\"height\":480}],\"categories\":[{\"id\":1,\"name\":\"person\"}],\"annotations\":";
        var images = new Dictionary<string, byte[]> { ["a.jpg"] = jpeg };
        yield return new("COCO file malformed", "cli:coco", () => Coco("{\"images\": [ {"), o => o.StartsWith("refused", StringComparison.Ordinal));
        yield return new("COCO file nested 10,000 deep", "cli:coco", () => Coco("{\"images\":" + new string('[', 10_000) + new string(']', 10_000) + "}"), o => o.StartsWith("refused", StringComparison.Ordinal));
        yield return new("COCO unknown category", "cli:coco", () => Coco(Head + "[{\"id\":1,\"image_id\":1,\"category_id\":99,\"segmentation\":[[1,1,50,1,50,50]],\"area\":1,\"bbox\":[1,1,49,49],\"iscrowd\":0}]}", images), o => o.Contains("unknown-category", StringComparison.Ordinal));
        yield return new("COCO image file missing", "cli:coco", () => Coco(Head + "[]}"), o => o.Contains("image-not-found", StringComparison.Ordinal));
        yield return new("COCO image file truncated", "cli:coco", () => Coco(Head + "[]}", new() { ["a.jpg"] = jpeg[..100] }), o => o.Contains("image-unreadable", StringComparison.Ordinal));
        yield return new("COCO file_name traversal", "cli:coco", () => Coco(Head.Replace("a.jpg", "../../../etc/passwd", StringComparison.Ordinal) + "[]}"), o => o.StartsWith("rejected", StringComparison.Ordinal) || o.StartsWith("refused", StringComparison.Ordinal));
        yield return new("COCO RLE counts overflow", "cli:coco", () => Coco(Head + "[{\"id\":1,\"image_id\":1,\"category_id\":1,\"segmentation\":{\"size\":[480,640],\"counts\":[2147483647,2147483647]},\"area\":1,\"bbox\":[1,1,2,2],\"iscrowd\":1}]}", images), o => o.Contains("rle", StringComparison.Ordinal) || o.StartsWith("refused", StringComparison.Ordinal));
        yield return new("COCO duplicated image ids", "cli:coco", () => Coco("{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":640,\"height\":480},{\"id\":1,\"file_name\":\"a.jpg\",\"width\":640,\"height\":480}],\"categories\":[],\"annotations\":[]}", images), o => o.StartsWith("refused", StringComparison.Ordinal) || o.Contains("rejected", StringComparison.Ordinal));
    }

    private static IngestProcessor Processor(string root)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Kind"] = "Local", ["Storage:Local:Root"] = root }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddBlobStore(configuration);
        services.AddIngest(configuration);
        return services.BuildServiceProvider().GetRequiredService<IngestProcessor>();
    }

    private static double[] MillionPoints()
    {
        var points = new double[2_000_000];
        for (var i = 0; i < 1_000_000; i++)
        {
            var angle = 2 * Math.PI * i / 1_000_000;
            // Whole pixels keep the body (about 6 MB) under the webhook's limit, so the points reach the validator.
            points[2 * i] = Math.Round(50 + (40 * Math.Cos(angle)));
            points[(2 * i) + 1] = Math.Round(50 + (40 * Math.Sin(angle)));
        }
        return points;
    }

    private static async Task<string> PostChunked(HttpClient http, string secret, int size)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, WebhookHandler.Route) { Content = new StreamContent(new ZeroStream(size)) };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add(WebhookHandler.SecretHeader, secret);
        try
        {
            using var response = await http.SendAsync(request);
            return $"{(int)response.StatusCode} {Reasons(await response.Content.ReadAsStringAsync())}";
        }
        catch (HttpRequestException e)
        {
            return $"connection closed by the server while sending ({e.Message})";
        }
    }

    private static async Task<string> WaitRejectedOrIngested(PipelineRig rig, string taskId)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Patience)
        {
            if (rig.Observed.Rejected.TryGetValue(taskId, out var rejected))
                return "rejected " + string.Join(",", rejected.Reasons.Select(r => r.Code).Distinct()) + ": " + rejected.Reasons[0].Detail;
            if (rig.Observed.Normalized.ContainsKey(taskId))
                return "ingested";
            await System.Threading.Tasks.Task.Delay(200);
        }
        return "no outcome";
    }

    private static async Task<string> WaitRejectedOrError(PipelineRig rig, string taskId)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Patience)
        {
            if (rig.Observed.Rejected.TryGetValue(taskId, out var rejected))
                return "rejected " + string.Join(",", rejected.Reasons.Select(r => r.Code).Distinct()) + ": " + rejected.Reasons[0].Detail;
            foreach (var (envelope, headers) in await rig.Admin.PeekAsync(rig.VirtualHost, "annotation-task-completed_error", 200))
            {
                if (envelope.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("taskId", out var id) && id.GetString() == taskId)
                    return $"error queue: {Header(headers, "MT-Fault-ExceptionType")}: {Header(headers, "MT-Fault-Message")}";
            }
            await System.Threading.Tasks.Task.Delay(500);
        }
        return "no outcome";
    }

    private static async Task<string> WaitErrorQueueGrowth(PipelineRig rig, string queue, long before)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Patience)
        {
            var depths = await rig.Admin.QueueDepthsAsync(rig.VirtualHost);
            foreach (var name in new[] { queue + "_error", queue + "_skipped" })
            {
                if (depths.GetValueOrDefault(name) + (name.EndsWith("_error", StringComparison.Ordinal) ? 0 : depths.GetValueOrDefault(queue + "_error")) <= before || depths.GetValueOrDefault(name) == 0)
                    continue;
                var entries = await rig.Admin.PeekAsync(rig.VirtualHost, name, 500, parse: false);
                var last = entries[^1];
                return $"error queue {name}: {Header(last.Headers, "MT-Fault-ExceptionType")}: {Header(last.Headers, "MT-Fault-Message")}";
            }
            await System.Threading.Tasks.Task.Delay(500);
        }
        return "no outcome";
    }

    private static async Task<string> WaitAnswer(PipelineRig rig, string requestId)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Patience)
        {
            if (rig.Observed.Answers.TryGetValue(requestId, out var answers) && answers.TryPeek(out var answer))
                return answer + (rig.Observed.Reasons.TryGetValue(requestId, out var reason) ? ": " + reason : "");
            await System.Threading.Tasks.Task.Delay(200);
        }
        return "no outcome";
    }

    private static string Header(JsonElement headers, string name) =>
        headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(name, out var v) ? v.ToString() : "?";

    private static string Reasons(string body)
    {
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            if (root.TryGetProperty("reasons", out var reasons) && reasons.ValueKind == JsonValueKind.Array && reasons.GetArrayLength() > 0)
                return string.Join(",", reasons.EnumerateArray().Select(r => r.GetProperty("code").GetString()).Distinct()) + ": " + reasons[0].GetProperty("detail").GetString();
            if (root.TryGetProperty("error", out var error))
                return error.GetString() ?? "";
        }
        catch (JsonException)
        {
        }
        return body;
    }

    private static string Oneline(string s)
    {
        var flat = new string(s.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return flat.Length > 150 ? flat[..150] + "..." : flat;
    }

    private static Dictionary<string, object?> Merge(Dictionary<string, object?> a, object? extra)
    {
        if (extra is Dictionary<string, object?> d)
        {
            foreach (var (k, v) in d)
                a[k] = v;
        }
        return a;
    }

    /// <summary>A stream of zeros of a given length that never holds it in memory.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Images that lie or explode, made by code.</summary>
public static class HostileImages
{
    /// <summary>A grayscale PNG of <paramref name="width"/> x <paramref name="height"/> zeros; with <paramref name="dataRows"/> only that many rows of data follow (a header that lies).</summary>
    public static byte[] Png(int width, int height, int? dataRows = null)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 0; // grayscale
        Chunk(png, "IHDR", ihdr);
        using var data = new MemoryStream();
        using (var z = new ZLibStream(data, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1]; // filter byte 0 + zeros
            for (var y = 0; y < (dataRows ?? height); y++)
                z.Write(row);
        }
        Chunk(png, "IDAT", data.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A real JPEG whose SOF header is rewritten to claim another size.</summary>
    public static byte[] JpegWithSize(byte[] jpeg, int width, int height)
    {
        var copy = (byte[])jpeg.Clone();
        for (var i = 2; i < copy.Length - 9; i++)
        {
            if (copy[i] == 0xFF && copy[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 5), (ushort)height);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 7), (ushort)width);
                return copy;
            }
        }
        throw new InvalidDataException("no SOF marker");
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        png.Write(len);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(typed));
        png.Write(len);
    }
}
