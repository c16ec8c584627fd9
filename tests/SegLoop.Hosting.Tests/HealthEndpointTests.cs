using System.Net;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SegLoop.Hosting.Tests;

/// <summary>/healthz/live and /healthz/ready on real Kestrel (loopback, free port), with the in-memory bus.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task MapSegLoopDefaults_BusStarted_LiveAndReadyAnswerHealthy()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddSegLoopDefaults("health-tests");
        builder.AddSegLoopBus(bus => bus.AddConsumer<PingConsumer>());
        builder.Services.AddSingleton<Observations>();
        await using var app = builder.Build();
        app.MapSegLoopDefaults();
        await app.StartAsync();
        await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        var live = await http.GetAsync("/healthz/live");
        var ready = await http.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        await app.StopAsync();
    }

    [Fact]
    public async Task MapSegLoopDefaults_BusStopped_ReadyAnswersUnhealthy()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddSegLoopDefaults("health-tests");
        builder.AddSegLoopBus(_ => { });
        await using var app = builder.Build();
        app.MapSegLoopDefaults();
        await app.StartAsync();
        var bus = app.Services.GetRequiredService<IBusControl>();
        await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        await bus.StopAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        var live = await http.GetAsync("/healthz/live");
        var ready = await http.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        await app.StopAsync();
    }
}
