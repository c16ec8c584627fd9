using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using SegLoop.Storage.Local;

namespace SegLoop.Ingest.Tests;

/// <summary>The webhook on a real Kestrel server on 127.0.0.1, with the consumer behind it on the in-memory test harness.</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "segloop-webhook-" + Guid.NewGuid().ToString("N")[..10]);
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        (_app, _http) = await WebhookServer.StartAsync(_root);
        await _app.Services.GetRequiredService<IBlobStore>().PutBytesAsync("uploads/acme/w.png", TestImages.Png(64, 48));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private static string Body(string taskId = "w-1", string image = "uploads/acme/w.png") =>
        $$"""{"taskId":"{{taskId}}","customer":"acme","project":"roads","domain":"street","image":"{{image}}","width":64,"height":48,"instances":[{"id":7,"className":"car","polygons":[[5,5,40,5,40,30,5,30]]}]}""";

    private Task<HttpResponseMessage> PostAsync(string body, string? secret = IngestTestHost.Secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, WebhookHandler.Route) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (secret is not null)
            request.Headers.Add(WebhookHandler.SecretHeader, secret);
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task Post_ValidTask_Answers202AndIngests()
    {
        using var response = await PostAsync(Body());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("w-1", answer.GetProperty("taskId").GetString());

        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationTaskCompleted>(m => m.Context.Message.TaskId == "w-1"));
        Assert.True(await harness.Published.Any<AnnotationIngested>(m => m.Context.Message.TaskId == "w-1"));
        var ingested = harness.Published.Select<AnnotationIngested>().Single(m => m.Context.Message.TaskId == "w-1").Context.Message;
        Assert.Equal(1, ingested.InstanceCount);
        var store = _app.Services.GetRequiredService<IBlobStore>();
        Assert.True(await store.ExistsAsync(IngestKeys.Incoming("acme", "roads", "w-1")));
        var document = await store.GetJsonAsync<Annotations.AnnotationDocument>(ingested.DocumentKey);
        Assert.Equal(35 * 25, document.Instances.Single().Area);
    }

    [Fact]
    public async Task Post_BadBody_Answers400WithEveryReason()
    {
        using var response = await PostAsync("""{"taskId":"w-2","customer":"acme","image":"../x.png","instances":[{"id":1,"className":"car","polygons":[[1,1,2,2]]},{"id":1,"className":"car","polygons":[[1,1,9,1,9,9]]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        var codes = answer!.Reasons!.Select(r => r.Code).ToHashSet();
        Assert.Equal(new HashSet<string> { RejectionCodes.MissingField, RejectionCodes.UnsafeKey, RejectionCodes.PolygonTooFewPoints, RejectionCodes.DuplicateInstanceId }, codes);
        Assert.Contains(answer.Reasons!, r => r.Item == "project");
        Assert.Contains(answer.Reasons!, r => r.Item == "domain");
    }

    [Fact]
    public async Task Post_NotJson_Answers400InvalidJson()
    {
        using var response = await PostAsync("{not json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        Assert.Equal(RejectionCodes.InvalidJson, Assert.Single(answer!.Reasons!).Code);
    }

    [Fact]
    public async Task Post_WithoutSecret_Answers401()
    {
        using var response = await PostAsync(Body(), secret: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_WrongSecret_Answers401AndStoresNothing()
    {
        using var response = await PostAsync(Body("w-401"), secret: IngestTestHost.Secret + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(await _app.Services.GetRequiredService<IBlobStore>().ExistsAsync(IngestKeys.Incoming("acme", "roads", "w-401")));
    }

    [Fact]
    public async Task Post_OverBodyLimit_Answers413WithReason()
    {
        var body = Body().Replace("\"domain\"", "\"padding\":\"" + new string('x', 70_000) + "\",\"domain\"", StringComparison.Ordinal);
        using var response = await PostAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        Assert.Equal(RejectionCodes.BodyTooLarge, Assert.Single(answer!.Reasons!).Code);
    }

    [Fact]
    public async Task Post_ChunkedOverBodyLimit_Answers413()
    {
        var bytes = Encoding.UTF8.GetBytes(Body().Replace("\"domain\"", "\"padding\":\"" + new string('x', 70_000) + "\",\"domain\"", StringComparison.Ordinal));
        var request = new HttpRequestMessage(HttpMethod.Post, WebhookHandler.Route) { Content = new StreamContent(new NoLengthStream(bytes)) };
        request.Headers.Add(WebhookHandler.SecretHeader, IngestTestHost.Secret);
        request.Headers.TransferEncodingChunked = true;
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_ImageMissingInStorage_AcceptedThenRejectedByConsumer()
    {
        using var response = await PostAsync(Body("w-missing", "uploads/acme/none.png"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationRejected>(m => m.Context.Message.TaskId == "w-missing"));
        var rejected = harness.Published.Select<AnnotationRejected>().First(m => m.Context.Message.TaskId == "w-missing").Context.Message;
        Assert.Equal(RejectionCodes.ImageNotFound, Assert.Single(rejected.Reasons).Code);
        Assert.Equal(EntryPoints.Bus, rejected.EntryPoint);
    }

    private static string TaskBody(string taskId, string customer, string image, string? maskKey = null) => JsonSerializer.Serialize(new
    {
        taskId, customer, project = "roads", domain = "street", image,
        instances = new object[]
        {
            maskKey is null
                ? new { id = "7", className = "car", polygons = new[] { new[] { 5.0, 5, 40, 5, 40, 30, 5, 30 } } }
                : new { id = "7", className = "car", maskKey },
        },
    });

    private async Task<AnnotationIngested> IngestedAsync(string taskId, string customer)
    {
        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationIngested>(m => m.Context.Message.TaskId == taskId && m.Context.Message.Customer == customer),
            $"{customer}/{taskId} was not ingested");
        return harness.Published.Select<AnnotationIngested>().First(m => m.Context.Message.TaskId == taskId && m.Context.Message.Customer == customer).Context.Message;
    }

    private async Task<AnnotationRejected> RejectedAsync(string taskId)
    {
        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationRejected>(m => m.Context.Message.TaskId == taskId), $"{taskId} was not rejected");
        // The rejection is published by the consumer that would otherwise have faulted: once it is there, no fault can follow.
        Assert.DoesNotContain(harness.Published.Select<Fault<AnnotationTaskCompleted>>(), m => m.Context.Message.Message.TaskId == taskId);
        return harness.Published.Select<AnnotationRejected>().First(m => m.Context.Message.TaskId == taskId).Context.Message;
    }

    [Theory]
    [InlineData("東京-1", "大阪-1", "acme", "acme")]
    [InlineData("x y", "x_y", "acme", "acme")]
    [InlineData("t-same", "t-same", "globex inc", "globex_inc")]
    public async Task Post_NamesDifferingOnlyInReplacedCharacters_BothStoredUnderTheirOwnKeys(string task1, string task2, string customer1, string customer2)
    {
        var store = _app.Services.GetRequiredService<IBlobStore>();
        foreach (var customer in new[] { customer1, customer2 }.Distinct())
            await store.PutBytesAsync($"uploads/{customer.Replace(' ', '-')}/w.png", TestImages.Png(64, 48));
        using (var first = await PostAsync(TaskBody(task1, customer1, $"uploads/{customer1.Replace(' ', '-')}/w.png")))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using (var second = await PostAsync(TaskBody(task2, customer2, $"uploads/{customer2.Replace(' ', '-')}/w.png")))
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);

        var a = await IngestedAsync(task1, customer1);
        var b = await IngestedAsync(task2, customer2);
        Assert.NotEqual(a.DocumentKey, b.DocumentKey);
        Assert.NotEqual(a.ImageKey, b.ImageKey);
        Assert.NotEqual(IngestKeys.Incoming(customer1, "roads", task1), IngestKeys.Incoming(customer2, "roads", task2));
        var documentA = await store.GetJsonAsync<Annotations.AnnotationDocument>(a.DocumentKey);
        var documentB = await store.GetJsonAsync<Annotations.AnnotationDocument>(b.DocumentKey);
        Assert.Equal((task1, customer1), (documentA.Provenance.TaskId, documentA.Provenance.Customer));
        Assert.Equal((task2, customer2), (documentB.Provenance.TaskId, documentB.Provenance.Customer));
    }

    [Fact]
    public async Task Post_ImageKeyOfAnotherCustomer_Answers400OtherCustomersKey()
    {
        var store = _app.Services.GetRequiredService<IBlobStore>();
        await store.PutBytesAsync("images/acme/roads/private.png", TestImages.Png(64, 48));

        using var response = await PostAsync(TaskBody("steal-1", "globex", "images/acme/roads/private.png"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        Assert.Equal(RejectionCodes.OtherCustomersKey, Assert.Single(answer!.Reasons!).Code);

        using var mask = await PostAsync(TaskBody("steal-2", "globex", "uploads/acme/w.png", maskKey: "annotations/ingested/acme/roads/w-1.json"));
        var maskAnswer = await mask.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        Assert.Equal(HttpStatusCode.BadRequest, mask.StatusCode);
        Assert.Equal(RejectionCodes.OtherCustomersKey, Assert.Single(maskAnswer!.Reasons!).Code);

        // The owner may name its own stored image.
        using var own = await PostAsync(TaskBody("own-1", "acme", "images/acme/roads/private.png"));
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        await IngestedAsync("own-1", "acme");
    }

    [Fact]
    public async Task Post_KeysThatFailToRead_AcceptedThenRejectedWithReasonNeverFaulted()
    {
        var store = _app.Services.GetRequiredService<IBlobStore>();
        await store.PutBytesAsync("uploads/acme/folder/inside.png", TestImages.Png(64, 48));
        var longSegment = "uploads/acme/" + new string('l', 300) + ".png";
        var cases = new (string TaskId, string Image, string? Mask, string Code)[]
        {
            ("long-image", longSegment, null, RejectionCodes.UnsafeKey),
            ("folder-image", "uploads/acme/folder", null, RejectionCodes.ImageNotFound),
            ("long-mask", "uploads/acme/w.png", longSegment, RejectionCodes.UnsafeKey),
            ("folder-mask", "uploads/acme/w.png", "uploads/acme/folder", RejectionCodes.MaskNotFound),
        };
        foreach (var c in cases)
        {
            using var response = await PostAsync(TaskBody(c.TaskId, "acme", c.Image, c.Mask));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        foreach (var c in cases)
        {
            var rejected = await RejectedAsync(c.TaskId);
            Assert.Equal(c.Code, Assert.Single(rejected.Reasons).Code);
        }
    }

    [Fact]
    public void MapIngestWebhook_NoSecretConfigured_Throws()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(_root));
        builder.Services.AddIngest(builder.Configuration);
        using var app = builder.Build();
        var e = Assert.Throws<InvalidOperationException>(() => app.MapIngestWebhook());
        Assert.Contains("Ingest:Webhook:Secret", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A stream that hides its length, so the client sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
