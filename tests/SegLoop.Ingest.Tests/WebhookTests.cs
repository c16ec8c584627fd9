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
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:Webhook:Secret"] = IngestTestHost.Secret,
            ["Ingest:Webhook:MaxBodyBytes"] = "65536",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(_root));
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus => bus.AddIngestConsumers());
        _app = builder.Build();
        _app.MapIngestWebhook();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
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
