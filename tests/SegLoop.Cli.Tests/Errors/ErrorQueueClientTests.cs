using System.Text;
using RabbitMQ.Client;
using SegLoop.Cli.Errors;
using SegLoop.Testing;

namespace SegLoop.Cli.Tests.Errors;

/// <summary>
/// Against the rig's real RabbitMQ. Each test builds MassTransit's topology for a fresh queue name:
/// exchange q -> queue q, and exchange q_error -> queue q_error, then plants faulted messages in
/// q_error the way MassTransit leaves them (MT-Fault-* headers, JSON envelope).
/// </summary>
public sealed class ErrorQueueClientTests : IAsyncLifetime
{
    private readonly string _queue = "deploy-test-" + Guid.NewGuid().ToString("N")[..8];
    private IConnection _connection = null!;
    private IChannel _channel = null!;

    private string ErrorQueue => _queue + "_error";

    public async Task InitializeAsync()
    {
        _connection = await new ConnectionFactory { Uri = Rig.RabbitMqUri }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        foreach (var name in new[] { _queue, ErrorQueue })
        {
            await _channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true);
            await _channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false);
            await _channel.QueueBindAsync(name, name, routingKey: string.Empty);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var name in new[] { _queue, ErrorQueue })
        {
            await _channel.QueueDeleteAsync(name);
            await _channel.ExchangeDeleteAsync(name);
        }
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _connection.Dispose();
    }

    [Fact]
    public async Task ListErrorQueuesAsync_PlantedFault_ListsQueueWithCount()
    {
        await PlantFaultAsync("m-1");
        await PlantFaultAsync("m-2");
        await using var client = await ConnectAsync();

        var queues = await client.ListErrorQueuesAsync();

        var info = Assert.Single(queues, q => q.Name == ErrorQueue);
        Assert.Equal(_queue, info.SourceQueue);
        Assert.Equal(2, info.MessageCount);
        Assert.DoesNotContain(queues, q => q.Name == _queue);
    }

    [Fact]
    public async Task PeekAsync_PlantedFault_ShowsFaultAndLeavesMessageInPlace()
    {
        await PlantFaultAsync("m-1");
        await using var client = await ConnectAsync();

        var messages = await client.PeekAsync(_queue);

        var message = Assert.Single(messages);
        Assert.Equal("m-1", message.MessageId);
        Assert.Equal(["urn:message:SegLoop.Contracts:BuildCrops"], message.MessageTypes);
        Assert.Equal("System.IO.InvalidDataException", message.ExceptionType);
        Assert.Equal("mask m-1 is not valid RLE", message.ExceptionMessage);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 3, 4, 5, TimeSpan.Zero), message.FaultedAt);
        Assert.Equal(1u, await _channel.MessageCountAsync(ErrorQueue));
    }

    [Fact]
    public async Task ReplayAsync_PlantedFault_MovesMessageBackWithBodyAndHeadersButNoFaultHeaders()
    {
        var body = await PlantFaultAsync("m-1");
        await using var client = await ConnectAsync();

        var result = await client.ReplayAsync(_queue);

        Assert.Equal(["m-1"], result.Replayed);
        Assert.Equal(0, result.Remaining);
        Assert.Equal(0u, await _channel.MessageCountAsync(ErrorQueue));
        var back = await _channel.BasicGetAsync(_queue, autoAck: true);
        Assert.NotNull(back);
        Assert.Equal(body, back.Body.ToArray());
        Assert.Equal("m-1", back.BasicProperties.MessageId);
        Assert.Equal("application/vnd.masstransit+json", back.BasicProperties.ContentType);
        var headers = back.BasicProperties.Headers!;
        Assert.Equal("segloop-test", Encoding.UTF8.GetString((byte[])headers["X-Origin"]!));
        Assert.DoesNotContain(headers.Keys, k => k.StartsWith("MT-Fault-", StringComparison.Ordinal));
        Assert.False(headers.ContainsKey("MT-Reason"));
    }

    [Fact]
    public async Task ReplayAsync_OneMessageId_MovesOnlyThatOneAndKeepsOthersInOrder()
    {
        await PlantFaultAsync("m-1");
        await PlantFaultAsync("m-2");
        await PlantFaultAsync("m-3");
        await using var client = await ConnectAsync();

        var result = await client.ReplayAsync(ErrorQueue, messageId: "m-2");

        Assert.Equal(["m-2"], result.Replayed);
        Assert.Equal(2, result.Remaining);
        var back = await _channel.BasicGetAsync(_queue, autoAck: true);
        Assert.Equal("m-2", back?.BasicProperties.MessageId);
        var left = await client.PeekAsync(_queue);
        Assert.Equal(["m-1", "m-3"], left.Select(m => m.MessageId));
    }

    [Fact]
    public async Task ReplayAsync_UnknownMessageId_ThrowsAndLosesNothing()
    {
        await PlantFaultAsync("m-1");
        await using var client = await ConnectAsync();

        var ex = await Assert.ThrowsAsync<ErrorQueueException>(() => client.ReplayAsync(_queue, messageId: "nope"));

        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1u, await _channel.MessageCountAsync(ErrorQueue));
        Assert.Equal(0u, await _channel.MessageCountAsync(_queue));
    }

    [Fact]
    public async Task ReplayAsync_TargetExchangeUnbound_KeepsMessageInErrorQueue()
    {
        await PlantFaultAsync("m-1");
        await _channel.QueueUnbindAsync(_queue, _queue, routingKey: string.Empty);
        await using var client = await ConnectAsync();

        var ex = await Assert.ThrowsAsync<ErrorQueueException>(() => client.ReplayAsync(_queue));

        Assert.Contains("unroutable", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1u, await _channel.MessageCountAsync(ErrorQueue));
    }

    [Fact]
    public async Task PeekAsync_MissingQueue_ThrowsNamingIt()
    {
        await using var client = await ConnectAsync();

        var ex = await Assert.ThrowsAsync<ErrorQueueException>(() => client.PeekAsync("no-such-queue"));

        Assert.Contains("no-such-queue_error", ex.Message, StringComparison.Ordinal);
    }

    private static Task<ErrorQueueClient> ConnectAsync() =>
        ErrorQueueClient.ConnectAsync(Rig.RabbitMqUri, Rig.RabbitMqManagementUri);

    /// <summary>Publishes a message into q_error as MassTransit's error transport would.</summary>
    private async Task<byte[]> PlantFaultAsync(string messageId)
    {
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"messageId":"{{{messageId}}}","messageType":["urn:message:SegLoop.Contracts:BuildCrops"],"message":{"taskId":"{{{messageId}}}"}}""");
        var properties = new BasicProperties
        {
            MessageId = messageId,
            ContentType = "application/vnd.masstransit+json",
            Persistent = true,
            Headers = new Dictionary<string, object?>
            {
                ["X-Origin"] = Encoding.UTF8.GetBytes("segloop-test"),
                ["MT-Reason"] = Encoding.UTF8.GetBytes("fault"),
                ["MT-Fault-ExceptionType"] = Encoding.UTF8.GetBytes("System.IO.InvalidDataException"),
                ["MT-Fault-Message"] = Encoding.UTF8.GetBytes($"mask {messageId} is not valid RLE"),
                ["MT-Fault-Timestamp"] = Encoding.UTF8.GetBytes("2026-11-20T03:04:05.0000000Z"),
                ["MT-Fault-StackTrace"] = Encoding.UTF8.GetBytes("at SegLoop.CropBuilder..."),
            },
        };
        await _channel.BasicPublishAsync(ErrorQueue, string.Empty, mandatory: false, properties, body);
        for (var i = 0; i < 100 && await _channel.MessageCountAsync(ErrorQueue) == 0; i++)
            await Task.Delay(20);
        return body;
    }
}
