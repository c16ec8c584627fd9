using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using SegLoop.Testing;

namespace SegLoop.Ingest.Tests;

/// <summary>
/// The webhook and its consumer over the rig's real RabbitMQ and S3 server: names that differ only in replaced
/// characters stay apart in S3, keys S3 cannot serve become rejections, a task over the decoded-pixel budget is
/// refused by name, and a huge bad body gives a bounded rejection that the broker carries.
/// </summary>
public sealed class KeysAndBoundsIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Webhook_OverRabbitMqAndS3_DistinctNamesStayApartFailuresAreRejectionsAndRejectionsAreBounded()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var run = "ik" + Guid.NewGuid().ToString("N")[..8];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(vhost.BusSettings()).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Storage:Kind"] = "S3",
            ["Storage:S3:Bucket"] = "segloop-keys-it",
            ["Storage:S3:ServiceUrl"] = Rig.S3Endpoint.ToString(),
            ["Storage:S3:ForcePathStyle"] = "true",
            ["Storage:S3:AccessKey"] = "segloop-test",
            ["Storage:S3:SecretKey"] = "segloop-test-secret",
            ["Storage:S3:CreateBucketIfMissing"] = "true",
            ["Ingest:Webhook:Secret"] = IngestTestHost.Secret,
            ["Ingest:Webhook:MaxBodyBytes"] = "8388608",
            // 64 x 48 images: one with no mask fits, one with three distinct masks (4 x 3072 pixels) does not.
            ["Ingest:MaxDecodedPixelsPerTask"] = "10000",
        });
        builder.AddSegLoopDefaults("ingest-keys-it");
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddIngest(builder.Configuration);
        builder.AddSegLoopBus(bus => bus.AddIngestConsumers());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            var ingested = new ConcurrentDictionary<string, AnnotationIngested>();
            var rejected = new ConcurrentDictionary<string, AnnotationRejected>();
            var faults = new ConcurrentBag<string>();
            var observer = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), KebabCaseEndpointNameFormatter.Instance, e =>
            {
                e.Handler<AnnotationIngested>(c => { if (c.Message.Customer!.StartsWith(run, StringComparison.Ordinal)) ingested[c.Message.Customer + "|" + c.Message.TaskId] = c.Message; return Task.CompletedTask; });
                e.Handler<AnnotationRejected>(c => { if (c.Message.Customer?.StartsWith(run, StringComparison.Ordinal) == true) rejected[c.Message.TaskId] = c.Message; return Task.CompletedTask; });
                e.Handler<Fault<AnnotationTaskCompleted>>(c => { faults.Add(c.Message.Message.TaskId); return Task.CompletedTask; });
            });
            await observer.Ready;
            var store = host.Services.GetRequiredService<IBlobStore>();

            var distinct = new (string Customer, string TaskId)[]
            {
                (run, "東京-1"), (run, "大阪-1"), (run, "x y"), (run, "x_y"), (run + " inc", "same"), (run + "_inc", "same"),
            };
            foreach (var customer in distinct.Select(d => d.Customer).Distinct())
                await store.PutBytesAsync($"uploads/{customer.Replace(' ', '-')}/w.png", TestImages.Png(64, 48));
            foreach (var (customer, taskId) in distinct)
                Assert.Equal(StatusCodes.Status202Accepted, (await PostAsync(host, Body(taskId, customer, $"uploads/{customer.Replace(' ', '-')}/w.png"))).Status);

            var longKey = $"uploads/{run}/" + new string('l', 300) + ".png";
            Assert.Equal(StatusCodes.Status202Accepted, (await PostAsync(host, Body("long-key", run, longKey))).Status);
            Assert.Equal(StatusCodes.Status202Accepted, (await PostAsync(host, Body("folder-key", run, $"uploads/{run}"))).Status);

            // Three distinct masks of the image's size: over the pixel budget, refused before any of them is read.
            foreach (var name in new[] { "a", "b", "c" })
                await store.PutBytesAsync($"uploads/{run}/{name}.png", "not a png"u8.ToArray());
            var budget = JsonSerializer.SerializeToUtf8Bytes(new
            {
                taskId = "pixel-budget", customer = run, project = "roads", domain = "street", image = $"uploads/{run}/w.png",
                instances = new[] { "a", "b", "c", "a" }.Select((m, i) => new { id = $"m{i}", className = "car", maskKey = $"uploads/{run}/{m}.png" }),
            });
            Assert.Equal(StatusCodes.Status202Accepted, (await PostAsync(host, budget)).Status);

            var stolen = await PostAsync(host, Body("stolen", run + "-other", $"images/{run}/roads/x_y.png"));
            Assert.Equal(StatusCodes.Status400BadRequest, stolen.Status);
            Assert.Equal(RejectionCodes.OtherCustomersKey, Assert.Single(stolen.Answer.Reasons!).Code);

            var many = new StringBuilder($$"""{"taskId":"many-bad","customer":"{{run}}","project":"roads","domain":"street","image":"uploads/{{run}}/w.png","instances":[""");
            for (var i = 0; i < 9000; i++)
                many.Append(i == 0 ? "" : ",").Append($$"""{"id":"{{new string('i', 300)}}-{{i}}"}""");
            var bad = await PostAsync(host, Encoding.UTF8.GetBytes(many.Append("]}").ToString()));
            Assert.Equal(StatusCodes.Status400BadRequest, bad.Status);
            Assert.Equal(Rejections.MaxReasons + 1, bad.Answer.Reasons!.Count);

            await WaitUntilAsync(() => ingested.Count >= distinct.Length && rejected.ContainsKey("long-key") && rejected.ContainsKey("folder-key") && rejected.ContainsKey("many-bad")
                && rejected.ContainsKey("pixel-budget"));

            // Six tasks, six documents in S3, each the task it says it is.
            Assert.Equal(distinct.Length, ingested.Count);
            Assert.Equal(distinct.Length, ingested.Values.Select(i => i.DocumentKey).Distinct().Count());
            foreach (var (customer, taskId) in distinct)
            {
                var document = await store.GetJsonAsync<AnnotationDocument>(AnnotationKeys.Ingested(customer, "roads", taskId));
                Assert.Equal((customer, taskId), (document.Provenance.Customer, document.Provenance.TaskId));
            }
            Assert.Equal(RejectionCodes.ImageNotFound, Assert.Single(rejected["long-key"].Reasons).Code);
            Assert.Equal(RejectionCodes.ImageNotFound, Assert.Single(rejected["folder-key"].Reasons).Code);
            var overBudget = Assert.Single(rejected["pixel-budget"].Reasons);
            Assert.Equal(RejectionCodes.DecodedPixelsOverBudget, overBudget.Code);
            Assert.Contains("12288 pixels", overBudget.Detail, StringComparison.Ordinal);
            Assert.Contains("Ingest:MaxDecodedPixelsPerTask", overBudget.Detail, StringComparison.Ordinal);
            var carried = rejected["many-bad"];
            Assert.Equal(Rejections.MaxReasons + 1, carried.Reasons.Count);
            Assert.Equal(RejectionCodes.MoreReasons, carried.Reasons[^1].Code);
            Assert.True(JsonSerializer.SerializeToUtf8Bytes(carried).Length < 256 * 1024);
            Assert.Empty(faults);
            await observer.StopAsync();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static byte[] Body(string taskId, string customer, string image) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        taskId, customer, project = "roads", domain = "street", image,
        instances = new[] { new { id = "7", className = "car", polygons = new[] { new[] { 5.0, 5, 40, 5, 40, 30, 5, 30 } } } },
    });

    private static async Task<(int Status, WebhookResponse Answer)> PostAsync(IHost host, byte[] body)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "POST";
        http.Request.Headers[WebhookHandler.SecretHeader] = IngestTestHost.Secret;
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        var result = await scope.ServiceProvider.GetRequiredService<WebhookHandler>().HandleAsync(http, CancellationToken.None);
        var json = Assert.IsType<JsonHttpResult<WebhookResponse>>(result);
        return (json.StatusCode ?? 200, json.Value!);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < Patience)
            await Task.Delay(200);
    }
}
