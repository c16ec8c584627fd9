using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Importers;
using SegLoop.Ingest.Webhook;
using SegLoop.Interop.LabelStudio;
using SegLoop.Storage;
using SegLoop.Storage.Local;

namespace SegLoop.Ingest.Tests;

/// <summary>
/// Label Studio's webhook events (ANNOTATION_CREATED / ANNOTATION_UPDATED, body as Label Studio posts it: action, task,
/// annotation, project) on a real Kestrel server, with the consumer behind it on the in-memory test harness. The
/// mapping is the export importer's (LabelStudioTask), so an event and a later <c>ingest labelstudio</c> of the same
/// task write the same document.
/// </summary>
public sealed class LabelStudioWebhookTests : IAsyncLifetime
{
    private const int W = 64;
    private const int H = 48;
    private const string Query = "?customer=acme&project=roads&domain=street";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "segloop-lswebhook-" + Guid.NewGuid().ToString("N")[..10]);
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        (_app, _http) = await WebhookServer.StartAsync(Path.Combine(_root, "store"));
        await _app.Services.GetRequiredService<IBlobStore>().PutBytesAsync("uploads/acme/w.png", TestImages.Png(W, H));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    /// <summary>A 20 x 10 rectangle as polygonlabels "car" (percent), and a 10 x 8 brush "person" at (40, 30).</summary>
    private static JsonObject Annotation(string id = "501", bool cancelled = false, string polygonX = "10")
    {
        var mask = new byte[W * H];
        for (var y = 30; y < 38; y++)
            for (var x = 40; x < 50; x++)
                mask[(y * W) + x] = 255;
        var rle = new JsonArray(BrushRle.EncodeMask(mask, W, H).Select(b => (JsonNode)(int)b).ToArray());
        return new JsonObject
        {
            ["id"] = int.Parse(id, System.Globalization.CultureInfo.InvariantCulture),
            ["was_cancelled"] = cancelled,
            ["result"] = new JsonArray(
                JsonNode.Parse($$$"""
                    {"id": "p1", "type": "polygonlabels", "from_name": "poly", "to_name": "image", "original_width": {{{W}}}, "original_height": {{{H}}},
                     "value": {"points": [[{{{polygonX}}}, 10], [41.25, 10], [41.25, 31.25], [{{{polygonX}}}, 31.25]], "closed": true, "polygonlabels": ["car"]}}
                    """),
                new JsonObject
                {
                    ["id"] = "b1", ["type"] = "brushlabels", ["from_name"] = "tag", ["to_name"] = "image", ["original_width"] = W, ["original_height"] = H,
                    ["value"] = new JsonObject { ["format"] = "rle", ["rle"] = rle, ["brushlabels"] = new JsonArray("person") },
                }),
        };
    }

    private static JsonObject Event(string action, string image = "/data/local-files/?d=uploads/acme/w.png", JsonObject? annotation = null) => new()
    {
        ["action"] = action,
        ["task"] = new JsonObject { ["id"] = 42, ["data"] = new JsonObject { ["image"] = image }, ["project"] = 3 },
        ["annotation"] = annotation ?? Annotation(),
        ["project"] = new JsonObject { ["id"] = 3, ["title"] = "roads" },
    };

    private Task<HttpResponseMessage> PostAsync(JsonNode body, string query = Query, string? secret = IngestTestHost.Secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, WebhookHandler.LabelStudioRoute + query) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (secret is not null)
            request.Headers.Add(WebhookHandler.SecretHeader, secret);
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task AnnotationCreated_PolygonAndBrush_IngestedUnderLabelStudiosTaskId()
    {
        using var response = await PostAsync(Event("ANNOTATION_CREATED"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("42", (await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options))!.TaskId);
        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationIngested>(m => m.Context.Message.TaskId == "42"));
        var ingested = harness.Published.Select<AnnotationIngested>().Single(m => m.Context.Message.TaskId == "42").Context.Message;
        var completed = harness.Published.Select<AnnotationTaskCompleted>().Single(m => m.Context.Message.TaskId == "42").Context.Message;
        Assert.Equal(SourceFormats.LabelStudio, completed.SourceFormat);
        Assert.Equal("uploads/acme/w.png", completed.ImageKey);
        var document = await _app.Services.GetRequiredService<IBlobStore>().GetJsonAsync<Annotations.AnnotationDocument>(ingested.DocumentKey);
        Assert.Equal(SourceFormats.LabelStudio, document.Provenance.SourceFormat);
        // The polygon: x 10%..41.25% of 64 = 6.4..26.4, y 10%..31.25% of 48 = 4.8..15: 20 x 10.2 px; the brush: 10 x 8 px.
        var byClass = document.Instances.ToDictionary(i => i.ClassName);
        Assert.Equal(["car", "person"], byClass.Keys.Order());
        Assert.Equal(80, byClass["person"].Area);
        Assert.InRange(byClass["car"].Area, 190, 230);
    }

    /// <summary>One code path: the event, then <c>ingest labelstudio</c> of an export holding the same task, write one document the same.</summary>
    [Fact]
    public async Task AnnotationUpdatedThenExportImport_SameTask_SameDocumentKeyAndInstances()
    {
        using (var response = await PostAsync(Event("ANNOTATION_UPDATED")))
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationIngested>(m => m.Context.Message.TaskId == "42"));
        var fromWebhook = harness.Published.Select<AnnotationIngested>().Single(m => m.Context.Message.TaskId == "42").Context.Message;
        var store = _app.Services.GetRequiredService<IBlobStore>();
        var webhookDocument = await store.GetJsonAsync<Annotations.AnnotationDocument>(fromWebhook.DocumentKey);

        var images = Directory.CreateDirectory(Path.Combine(_root, "export-images")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(images, "w.png"), TestImages.Png(W, H));
        var export = Path.Combine(_root, "export.json");
        var task = Event("ANNOTATION_UPDATED")["task"]!.DeepClone().AsObject();
        task["annotations"] = new JsonArray(Annotation());
        await File.WriteAllTextAsync(export, new JsonArray(task).ToJsonString());
        var request = new LabelStudioImporter(export, new FolderImageSource(images)).Read(new ImportTarget("acme", "roads", "street")).Single();
        var outcome = await _app.Services.GetRequiredService<IngestProcessor>().ProcessAsync(request, CancellationToken.None);

        Assert.True(outcome.Accepted, string.Join("; ", outcome.Rejected?.Reasons.Select(r => r.Detail) ?? []));
        Assert.Equal(fromWebhook.DocumentKey, outcome.Ingested!.DocumentKey);
        var importDocument = await store.GetJsonAsync<Annotations.AnnotationDocument>(outcome.Ingested.DocumentKey);
        Assert.Equal(webhookDocument.Instances.Select(i => (i.Id, i.ClassName, i.Area)), importDocument.Instances.Select(i => (i.Id, i.ClassName, i.Area)));
    }

    [Fact]
    public async Task AnnotationCreated_BadTask_400WithEveryReasonAndRejectedEvent()
    {
        // An upload SegLoop cannot read, a polygon point outside the image, and no domain in the query.
        using var response = await PostAsync(Event("ANNOTATION_CREATED", image: "/data/upload/3/0a1b2c3d-w.png", annotation: Annotation(polygonX: "-50")),
            query: "?customer=acme&project=roads");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        Assert.Equal("42", answer!.TaskId);
        Assert.Contains(answer.Reasons!, r => r.Code == RejectionCodes.InvalidField && r.Item == "data.image" && r.Detail.Contains("/data/upload/3/0a1b2c3d-w.png", StringComparison.Ordinal));
        Assert.Contains(answer.Reasons!, r => r.Code == RejectionCodes.MissingField && r.Item == "domain");
        Assert.Contains(answer.Reasons!, r => r.Item == "p1");
        var harness = _app.Services.GetRequiredService<ITestHarness>();
        Assert.True(await harness.Published.Any<AnnotationRejected>(m => m.Context.Message.TaskId == "42" && m.Context.Message.EntryPoint == EntryPoints.LabelStudioWebhook));
        Assert.False(await _app.Services.GetRequiredService<IBlobStore>().ExistsAsync(IngestKeys.Incoming("acme", "roads", "42")));
    }

    [Fact]
    public async Task AnnotationUpdated_Cancelled_400NoAnnotation()
    {
        using var response = await PostAsync(Event("ANNOTATION_UPDATED", annotation: Annotation(cancelled: true)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
        Assert.Contains(answer!.Reasons!, r => r.Code == RejectionCodes.MissingField && r.Item == "annotations");
    }

    [Fact]
    public async Task OtherActions_200IgnoredNothingStored()
    {
        foreach (var action in new[] { "ANNOTATIONS_DELETED", "TASKS_CREATED", "PROJECT_UPDATED" })
        {
            using var response = await PostAsync(Event(action));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
            Assert.Contains(action, answer!.Ignored, StringComparison.Ordinal);
        }
        Assert.False(await _app.Services.GetRequiredService<IBlobStore>().ExistsAsync(IngestKeys.Incoming("acme", "roads", "42")));
    }

    [Fact]
    public async Task AnnotationCreated_WithoutOrWrongSecret_401()
    {
        using var none = await PostAsync(Event("ANNOTATION_CREATED"), secret: null);
        using var wrong = await PostAsync(Event("ANNOTATION_CREATED"), secret: IngestTestHost.Secret + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(await _app.Services.GetRequiredService<IBlobStore>().ExistsAsync(IngestKeys.Incoming("acme", "roads", "42")));
    }

    [Theory]
    [InlineData("/data/local-files/?d=images/acme/a%20b.jpg", "images/acme/a b.jpg")]
    [InlineData("http://ls:8080/data/local-files/?d=images/acme/x.jpg", "images/acme/x.jpg")]
    [InlineData("s3://segloop/images/acme/x.jpg", "images/acme/x.jpg")]
    [InlineData("images/acme/x.jpg", "images/acme/x.jpg")]
    [InlineData("/data/upload/3/0a1b2c3d-x.jpg", null)]
    [InlineData("https://example.com/x.jpg", null)]
    [InlineData("s3://segloop", null)]
    public void StorageKey_LabelStudioImageUrls_KeyInSegLoopsStore(string url, string? key) => Assert.Equal(key, LabelStudioTask.StorageKey(url));
}
