using System.Net;
using System.Net.Http.Json;
using System.Text;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SegLoop.Hosting;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using SegLoop.Storage.Local;

namespace SegLoop.Ingest.Tests;

/// <summary>The webhook with its secret in a file (a mounted secret) that is deleted, emptied and replaced while it runs.</summary>
public sealed class WebhookSecretFileTests : IAsyncLifetime
{
    private const string Rotated = "rotated-webhook-secret-0123456789";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segloop-secret-");
    private string SecretFile => Path.Combine(_dir.FullName, "secret");
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(SecretFile, IngestTestHost.Secret + "\n");
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:Webhook:SecretFile"] = SecretFile,
            ["Logging:LogLevel:Default"] = "Critical",
        });
        builder.Services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(Path.Combine(_dir.FullName, "store")));
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus => bus.AddIngestConsumers());
        _app = builder.Build();
        _app.MapSegLoopDefaults();
        _app.MapIngestWebhook();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private async Task<HttpResponseMessage> PostAsync(string secret)
    {
        var body = """{"taskId":"s-1","customer":"acme","project":"roads","domain":"street","image":"uploads/acme/none.png","instances":[]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, WebhookHandler.Route) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookHandler.SecretHeader, secret);
        return await _http.SendAsync(request);
    }

    private async Task<HealthStatus> SecretHealthAsync() =>
        (await _app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == WebhookSecretHealthCheck.Name)).Status;

    [Fact]
    public async Task SecretFile_DeletedEmptiedThenReplaced_503WithReasonAndNotReadyThenTheNewSecretWorks()
    {
        using (var ok = await PostAsync(IngestTestHost.Secret))
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        Assert.Equal(HealthStatus.Healthy, await SecretHealthAsync());

        File.Delete(SecretFile);
        using (var deleted = await PostAsync(IngestTestHost.Secret))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, deleted.StatusCode);
            var answer = await deleted.Content.ReadFromJsonAsync<WebhookResponse>(JsonDefaults.Options);
            Assert.Contains("secret", answer!.Error, StringComparison.Ordinal);
        }
        Assert.Equal(HealthStatus.Unhealthy, await SecretHealthAsync());
        using (var ready = await _http.GetAsync("/healthz/ready"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);

        await File.WriteAllTextAsync(SecretFile, "");
        using (var empty = await PostAsync(IngestTestHost.Secret))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, empty.StatusCode);
        Assert.Equal(HealthStatus.Unhealthy, await SecretHealthAsync());

        await File.WriteAllTextAsync(SecretFile, Rotated);
        Assert.Equal(HealthStatus.Healthy, await SecretHealthAsync());
        using (var old = await PostAsync(IngestTestHost.Secret))
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using (var rotated = await PostAsync(Rotated))
            Assert.Equal(HttpStatusCode.Accepted, rotated.StatusCode);
    }
}
