using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SegLoop.TestModels;

namespace SegLoop.Cli.Tests;

/// <summary>
/// <c>segloop run</c> without <c>--once</c>, as the process a user starts: what it prints at start names a webhook, a
/// pre-annotation API and an inbox, and each of them takes work from outside the process; SIGTERM stops it within seconds.
/// And <c>--json</c> of the verbs scripts read.
/// </summary>
public sealed class RunServeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segloop-serve-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string In(params string[] parts) => Path.Combine([_dir.FullName, .. parts]);

    [Fact]
    public async Task Run_Serving_WebhookApiAndInboxTakeWorkThenSigtermStopsWithin10Seconds()
    {
        using var run = SegLoopProcess.Start(_dir.FullName, ["run", "--data", In("data"), "--port", "0", "--inbox", In("inbox"), "--json"]);
        // --json: the start-up document, whole, is the first thing on stdout.
        JsonElement startup = default;
        Assert.True(await run.WaitForOutputAsync(o => TryParse(o, out startup), TimeSpan.FromMinutes(2)), $"no start-up document: {run.Tail()}");
        Assert.Equal(In("data"), startup.GetProperty("store").GetString());
        Assert.Equal(In("inbox"), startup.GetProperty("inbox").GetString());
        var webhook = new Uri(startup.GetProperty("webhook").GetString()!);
        Assert.Equal("127.0.0.1", webhook.Host);
        Assert.NotEqual(0, webhook.Port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webhook.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(startup.GetProperty("health").GetString()!))).StatusCode);

        // The pre-annotation API: an image in, a request published, masks out once Inference (GrabCut) answered.
        using var put = await http.PutAsync(new Uri("/v1/images/w.png", UriKind.Relative), new ByteArrayContent(TestImages.Png(64, 48)));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var imageKey = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("imageKey").GetString()!;
        using var request = await http.PostAsJsonAsync(new Uri(startup.GetProperty("preAnnotationApi").GetString()!),
            new { requestId = "serve-1", imageKey, prompts = new[] { new { box = new { x = 5, y = 5, width = 35, height = 25 } } } });
        Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);
        var masks = await PollAsync(() => http.GetAsync(new Uri("/v1/pre-annotations/serve-1", UriKind.Relative)));
        var mask = Assert.Single(masks.EnumerateArray());
        Assert.Equal(imageKey, mask.GetProperty("image_id").GetString());
        Assert.Equal(4, mask.GetProperty("bbox").GetArrayLength());

        // The webhook, with the secret it printed: a completed task is ingested and cut into a crop. Its image lies in the
        // store where the labelling tool put it (images/api/ from the PUT above belongs to customer 'api' for Ingest's
        // ownership check, so a task of 'acme' may not read it).
        Directory.CreateDirectory(In("data", "uploads", "acme"));
        await File.WriteAllBytesAsync(In("data", "uploads", "acme", "w.png"), TestImages.Png(64, 48));
        using var post = new HttpRequestMessage(HttpMethod.Post, webhook)
        {
            Content = new StringContent($$"""{"taskId":"serve-task","customer":"acme","project":"roads","domain":"street","image":"uploads/acme/w.png","width":64,"height":48,"instances":[{"id":7,"className":"car","polygons":[[5,5,40,5,40,30,5,30]]}]}""",
                Encoding.UTF8, "application/json"),
        };
        post.Headers.Add(startup.GetProperty("webhookSecretHeader").GetString()!, startup.GetProperty("webhookSecret").GetString());
        using var accepted = await http.SendAsync(post);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        Assert.Equal("serve-task", (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetString());
        Assert.True(await WaitAsync(() => Directory.Exists(In("data", "crops"))
                                          && Directory.EnumerateFiles(In("data", "crops"), "*.jpg", SearchOption.AllDirectories).Any()),
            $"no crop from the webhook's task: {run.Tail()}");

        // The inbox: a loose image is sent for pre-annotation and moved to done/; a file that is no image goes to failed/ with the reason.
        await File.WriteAllBytesAsync(In("inbox", "dropped.png"), TestImages.Png(40, 30));
        await File.WriteAllTextAsync(In("inbox", "broken.jpg"), "not a jpeg");
        Assert.True(await run.WaitForOutputAsync(o => o.Contains("inbox: dropped.png sent for pre-annotation", StringComparison.Ordinal)
                                                      && o.Contains("inbox: broken.jpg failed: ", StringComparison.Ordinal), TimeSpan.FromMinutes(1)),
            run.Tail());
        Assert.True(File.Exists(In("inbox", "done", "dropped.png")));
        Assert.True(File.Exists(In("inbox", "failed", "broken.jpg")));
        Assert.False(string.IsNullOrWhiteSpace(await File.ReadAllTextAsync(In("inbox", "failed", "broken.jpg.why.txt"))));
        var requestId = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"request (inbox-[0-9a-f]+)").Groups[1].Value;
        Assert.NotEmpty(requestId);
        var inboxMask = Assert.Single((await PollAsync(() => http.GetAsync(new Uri($"/v1/pre-annotations/{requestId}", UriKind.Relative)))).EnumerateArray());
        Assert.StartsWith("images/api/inbox-", inboxMask.GetProperty("image_id").GetString(), StringComparison.Ordinal);

        var signalled = Stopwatch.StartNew();
        await run.SignalAsync("TERM");
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(10)), $"still running 10 s after SIGTERM: {run.Tail()}");
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(10));
        Assert.True(run.ExitCode == 143, $"exit {run.ExitCode}: {run.Tail()}");
        Assert.Contains("segloop run: stopped by SIGTERM.", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsList_Json_OneDocumentWithTheRegisteredVersion()
    {
        await File.WriteAllBytesAsync(In("saliency.onnx"), OnnxTestModels.SaliencyNet().Onnx);
        var register = await SegLoopProcess.RunAsync(_dir.FullName,
            ["models", "register", "--name", "saliency", "--file", In("saliency.onnx"), "--preprocessing", "fcn", "--version", "v1", "--data", In("data")]);
        Assert.True(register.ExitCode == 0, register.Stderr);

        var (exitCode, stdout, stderr) = await SegLoopProcess.RunAsync(_dir.FullName, ["models", "list", "--data", In("data"), "--json"]);

        Assert.True(exitCode == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var model = Assert.Single(json.RootElement.GetProperty("models").EnumerateArray());
        Assert.Equal("saliency", model.GetProperty("name").GetString());
        Assert.Equal("v1", model.GetProperty("version").GetString());
        Assert.Equal(OnnxTestModels.SaliencyNet().Onnx.Length, model.GetProperty("size").GetInt64());
        Assert.Equal(64, model.GetProperty("sha256").GetString()!.Length);
        Assert.Equal(["grabcut"], json.RootElement.GetProperty("builtIn").EnumerateArray().Select(b => b.GetString()));
    }

    /// <summary>True when <paramref name="output"/> begins with one whole JSON document (what follows it is left alone).</summary>
    private static bool TryParse(string output, out JsonElement document)
    {
        document = default;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
                return false;
            using (parsed)
                document = parsed.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>GETs until 200 (a minute at most) and answers the body.</summary>
    private static async Task<JsonElement> PollAsync(Func<Task<HttpResponseMessage>> get)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using var response = await get();
            if (response.StatusCode == HttpStatusCode.OK)
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "no answer within a minute");
            await Task.Delay(250);
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(1))
                return false;
            await Task.Delay(250);
        }
        return true;
    }
}
