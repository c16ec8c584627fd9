using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SegLoop.Hosting.Tests;

/// <summary>The bus against the rig's real RabbitMQ: delivery, and retry then the _error queue.</summary>
public sealed class BusRabbitMqTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static IHost BuildHost(RabbitMqVirtualHost vhost, params (string Key, string Value)[] extra) => BuildHost(vhost, _ => { }, extra);

    private static IHost BuildHost(RabbitMqVirtualHost vhost, Action<IServiceCollection> services, params (string Key, string Value)[] extra)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(vhost.BusSettings());
        builder.Configuration.AddInMemoryCollection(extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)));
        builder.AddSegLoopDefaults("hosting-tests");
        builder.Services.AddSingleton<Observations>();
        services(builder.Services);
        builder.AddSegLoopBus(bus =>
        {
            bus.AddConsumer<PingConsumer>();
            bus.AddConsumer<AlwaysThrowsConsumer, RetryingDefinition<AlwaysThrowsConsumer>>();
            bus.AddConsumer<MissingBlobConsumer, RetryingDefinition<MissingBlobConsumer>>();
        });
        return builder.Build();
    }

    private static async Task StartAndWaitForBusAsync(IHost host)
    {
        await host.StartAsync();
        var status = await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, Patience);
        Assert.Equal(BusHealthStatus.Healthy, status);
    }

    [Fact]
    public async Task Publish_RabbitMq_ConsumedByRealConsumer()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var host = BuildHost(vhost);
        await StartAndWaitForBusAsync(host);

        await host.Services.GetRequiredService<IPublishEndpoint>().Publish(new Ping("hello rabbit"));

        var observations = host.Services.GetRequiredService<Observations>();
        var received = await observations.PingReceived.Task.WaitAsync(Patience);
        Assert.Equal("hello rabbit", received.Text);
        // Compact JSON on the wire (MassTransit indents by default; long polygon arrays would triple in size).
        var body = await observations.PingBody.Task.WaitAsync(Patience);
        Assert.StartsWith("{\"messageId\":", body, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', body);
        await host.StopAsync();
    }

    [Fact]
    public async Task Publish_ConsumerAlwaysThrows_RetriedThenInErrorQueueWithException()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var host = BuildHost(vhost, ("Bus:Retry:Intervals:0", "10"), ("Bus:Retry:Intervals:1", "10"));
        await StartAndWaitForBusAsync(host);

        await host.Services.GetRequiredService<IPublishEndpoint>().Publish(new Doomed("d-42"));

        var faulted = await vhost.WaitForMessageAsync("always-throws_error", Patience);
        Assert.True(faulted.HasValue, "no message reached the always-throws_error queue");
        var headers = faulted.Value.GetProperty("properties").GetProperty("headers");
        Assert.Equal("doomed message 'd-42' cannot be processed", headers.GetProperty("MT-Fault-Message").GetString());
        Assert.Equal("System.InvalidOperationException", headers.GetProperty("MT-Fault-ExceptionType").GetString());
        Assert.Contains("d-42", faulted.Value.GetProperty("payload").GetString());
        // One delivery plus the two configured retries, then the fault: never caught and acknowledged.
        Assert.Equal(["d-42", "d-42", "d-42"], host.Services.GetRequiredService<Observations>().DoomedAttempts.ToArray());
        await host.StopAsync();
    }

    [Fact]
    public async Task Publish_ConsumerMissesBlob_NotRetriedErrorQueueNamesBlobNotFound()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        // Storage's failures registered as every service that reads blobs registers them (Hosting does not know Storage).
        using var host = BuildHost(vhost, services => services.AddPermanentFailures(SegLoop.Storage.StorageFailures.Permanent),
            ("Bus:Retry:Intervals:0", "10"), ("Bus:Retry:Intervals:1", "10"));
        await StartAndWaitForBusAsync(host);

        await host.Services.GetRequiredService<IPublishEndpoint>().Publish(new NeedsBlob("incoming/gone.json"));

        var faulted = await vhost.WaitForMessageAsync("missing-blob_error", Patience);
        Assert.True(faulted.HasValue, "no message reached the missing-blob_error queue");
        var headers = faulted.Value.GetProperty("properties").GetProperty("headers");
        // MassTransit reports the base exception: the missing blob, not the storage client's inner error.
        Assert.Equal("SegLoop.Storage.BlobNotFoundException", headers.GetProperty("MT-Fault-ExceptionType").GetString());
        Assert.Contains("incoming/gone.json", headers.GetProperty("MT-Fault-Message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["incoming/gone.json"], host.Services.GetRequiredService<Observations>().NeedsBlobAttempts.ToArray());
        await host.StopAsync();
    }

    [Fact]
    public async Task Publish_ServiceRegisteredPermanentFailure_NotRetried()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var host = BuildHost(vhost, services => services.AddPermanentFailures(typeof(InvalidOperationException)),
            ("Bus:Retry:Intervals:0", "10"), ("Bus:Retry:Intervals:1", "10"));
        await StartAndWaitForBusAsync(host);

        await host.Services.GetRequiredService<IPublishEndpoint>().Publish(new Doomed("d-7"));

        var faulted = await vhost.WaitForMessageAsync("always-throws_error", Patience);
        Assert.True(faulted.HasValue, "no message reached the always-throws_error queue");
        // The same consumer is retried twice when its exception is not registered (test above); registered, once.
        Assert.Equal(["d-7"], host.Services.GetRequiredService<Observations>().DoomedAttempts.ToArray());
        await host.StopAsync();
    }

    [Fact]
    public async Task RawPublish_NotAnEnvelope_ErrorQueueSaysWhatTheBodyIsNotRetried()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var host = BuildHost(vhost, ("Bus:Retry:Intervals:0", "10"), ("Bus:Retry:Intervals:1", "10"));
        await StartAndWaitForBusAsync(host);
        var cases = new (string Body, string? ContentType, string Says)[]
        {
            ("{\"text\":\"bare\"}", "application/json", "the JSON object has no \"message\" property"),
            ("{\"text\":\"bare\"}", null, "the JSON object has no \"message\" property"),
            ("\u0000\u0001 garbage", "application/vnd.masstransit+json", "the body is not JSON"),
            ("hello", "text/plain", "the body is not JSON"),
            ("[1,2]", null, "the body is a JSON array, not an object"),
            ("", null, "the body is empty"),
            ("{\"messageId\":\"" + Guid.NewGuid() + "\",\"message\":{\"text\":\"x\"}}", null, "the envelope names no message type"),
        };

        foreach (var (body, contentType, says) in cases)
        {
            await vhost.PublishRawAsync("ping", System.Text.Encoding.UTF8.GetBytes(body), contentType);

            var faulted = await vhost.WaitForMessageAsync("ping_error", Patience);
            Assert.True(faulted.HasValue, $"'{body}' ({contentType}) did not reach ping_error");
            var headers = faulted.Value.GetProperty("properties").GetProperty("headers");
            Assert.Equal(typeof(NotAnEnvelopeException).FullName, headers.GetProperty("MT-Fault-ExceptionType").GetString());
            var reason = headers.GetProperty("MT-Fault-Message").GetString()!;
            Assert.StartsWith("message is not a MassTransit envelope: " + says, reason, StringComparison.Ordinal);
            Assert.Contains($"content type {contentType ?? "none"}, {System.Text.Encoding.UTF8.GetByteCount(body)} bytes", reason, StringComparison.Ordinal);
            Assert.Contains("publish with MassTransit, or wrap the message in that envelope", reason, StringComparison.Ordinal);
            // Deserializing again cannot help: moved at once, never retried.
            Assert.False(headers.TryGetProperty("MT-Fault-RetryCount", out _));
        }

        // An envelope written by hand, without MassTransit, is still a message.
        await vhost.PublishRawAsync("ping", System.Text.Encoding.UTF8.GetBytes(
            "{\"messageId\":\"" + Guid.NewGuid() + "\",\"messageType\":[\"urn:message:segloop-tests:ping\"],\"message\":{\"text\":\"by hand\"}}"), null);
        Assert.Equal("by hand", (await host.Services.GetRequiredService<Observations>().PingReceived.Task.WaitAsync(Patience)).Text);
        Assert.Empty(await vhost.GetMessagesAsync("ping_error", 10));
        await host.StopAsync();
    }

    [Fact]
    public void AddPermanentFailures_NotAnException_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddPermanentFailures(typeof(string)));
        Assert.Contains("System.String is not an exception type", error.Message, StringComparison.Ordinal);
    }
}
