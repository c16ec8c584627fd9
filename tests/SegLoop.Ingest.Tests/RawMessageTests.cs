using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Storage;
using SegLoop.Testing;

namespace SegLoop.Ingest.Tests;

/// <summary>
/// What a client without MassTransit puts on Ingest's queue of the rig's real RabbitMQ (plain JSON of the task, bytes):
/// the Ingest host as its worker builds it moves each to <c>annotation-task-completed_error</c> with a reason a person
/// can act on, not MassTransit's "ArgumentNullException ... envelope".
/// </summary>
public sealed class RawMessageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task IngestQueue_BareJsonAndGarbageBytes_ErrorQueueSaysNotAnEnvelope()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var root = Directory.CreateTempSubdirectory("segloop-raw-");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(vhost.BusSettings()).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Storage:Kind"] = "Local",
            ["Storage:Local:Root"] = root.FullName,
            ["Ingest:Webhook:Secret"] = IngestTestHost.Secret,
        });
        builder.AddSegLoopDefaults("ingest-raw");
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddIngest(builder.Configuration);
        builder.AddSegLoopBus(bus => bus.AddIngestConsumers());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.Equal(BusHealthStatus.Healthy, await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, Patience));
            // The task as a careless client sends it: the message's own JSON, no envelope around it.
            var bare = JsonSerializer.SerializeToUtf8Bytes(new AnnotationTaskCompleted
            {
                TaskId = "t-1", Customer = "acme", Project = "roads", Domain = "street", ImageKey = "uploads/acme/w.png",
                AnnotationKey = "incoming/acme/roads/t-1.json", SourceFormat = SourceFormats.Webhook,
            }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
            await vhost.PublishRawAsync("annotation-task-completed", bare, "application/json");
            var first = await vhost.WaitForMessageAsync("annotation-task-completed_error", Patience);
            await vhost.PublishRawAsync("annotation-task-completed", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF], null);
            var second = await vhost.WaitForMessageAsync("annotation-task-completed_error", Patience);

            var bareReason = Reason(first, bare);
            Assert.StartsWith("message is not a MassTransit envelope: the JSON object has no \"message\" property", bareReason, StringComparison.Ordinal);
            Assert.Contains($"content type application/json, {bare.Length} bytes: '{Encoding.UTF8.GetString(bare.AsSpan(0, 60))}'...", bareReason, StringComparison.Ordinal);
            var bytesReason = Reason(second, null);
            Assert.StartsWith("message is not a MassTransit envelope: the body is not JSON", bytesReason, StringComparison.Ordinal);
            // Bytes that are not UTF-8 show as '?', control characters as \xNN.
            Assert.Contains("content type none, 9 bytes: '?PNG\\x0D\\x0A\\x1A\\x0A?'", bytesReason, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
            root.Delete(recursive: true);
        }
    }

    private static string Reason(JsonElement? faulted, byte[]? body)
    {
        Assert.True(faulted.HasValue, "nothing reached annotation-task-completed_error");
        var headers = faulted.Value.GetProperty("properties").GetProperty("headers");
        Assert.Equal(typeof(NotAnEnvelopeException).FullName, headers.GetProperty("MT-Fault-ExceptionType").GetString());
        if (body is not null)
            Assert.Equal(Encoding.UTF8.GetString(body), faulted.Value.GetProperty("payload").GetString());
        var reason = headers.GetProperty("MT-Fault-Message").GetString()!;
        Assert.DoesNotContain("ArgumentNullException", reason, StringComparison.Ordinal);
        return reason;
    }
}
