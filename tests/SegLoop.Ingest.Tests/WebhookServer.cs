using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using SegLoop.Storage.Local;

namespace SegLoop.Ingest.Tests;

/// <summary>The Ingest webhook on a real Kestrel server on 127.0.0.1 (a free port), with the consumer behind it on the in-memory test harness.</summary>
internal static class WebhookServer
{
    /// <summary>Started, with a local store at <paramref name="storeRoot"/> and an HTTP client on its address.</summary>
    public static async Task<(WebApplication App, HttpClient Http)> StartAsync(string storeRoot)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:Webhook:Secret"] = IngestTestHost.Secret,
            ["Ingest:Webhook:MaxBodyBytes"] = "65536",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(storeRoot));
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus => bus.AddIngestConsumers());
        var app = builder.Build();
        app.MapIngestWebhook();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }
}
