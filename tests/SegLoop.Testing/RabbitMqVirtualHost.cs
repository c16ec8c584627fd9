using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace SegLoop.Testing;

/// <summary>
/// A fresh virtual host on the rig's RabbitMQ for one test, so queues from other tests or earlier runs
/// never interfere; deleted afterwards. Reads queues through the management API.
/// </summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _http;

    private RabbitMqVirtualHost(HttpClient http, string name)
    {
        _http = http;
        Name = name;
    }

    public string Name { get; }

    public static async Task<RabbitMqVirtualHost> CreateAsync()
    {
        var amqp = Rig.RabbitMqUri;
        var user = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[1]);
        var http = new HttpClient { BaseAddress = Rig.RabbitMqManagementUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        var name = "test-" + Guid.NewGuid().ToString("N")[..12];
        (await http.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"api/permissions/{name}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new RabbitMqVirtualHost(http, name);
    }

    /// <summary>
    /// Configuration that points the SegLoop bus at this virtual host; with <paramref name="quorumQueues"/> false, its
    /// queues are declared classic (<c>Bus:RabbitMq:QuorumQueues</c>).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string?>> BusSettings(bool quorumQueues = true)
    {
        var amqp = Rig.RabbitMqUri;
        var settings = new Dictionary<string, string?>
        {
            ["Bus:Transport"] = "RabbitMq",
            ["Bus:RabbitMq:Host"] = amqp.Host,
            ["Bus:RabbitMq:Port"] = amqp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:VirtualHost"] = Name,
            ["Bus:RabbitMq:Username"] = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[0]),
            ["Bus:RabbitMq:Password"] = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[1]),
        };
        if (!quorumQueues)
            settings["Bus:RabbitMq:QuorumQueues"] = "false";
        return settings;
    }

    /// <summary>
    /// Publishes <paramref name="body"/> as it is to <paramref name="exchange"/> over AMQP with RabbitMQ.Client (persistent,
    /// with <paramref name="contentType"/> when given): what a client that does not use MassTransit sends.
    /// </summary>
    public async Task PublishRawAsync(string exchange, byte[] body, string? contentType)
    {
        var amqp = Rig.RabbitMqUri;
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            HostName = amqp.Host,
            Port = amqp.Port,
            VirtualHost = Name,
            UserName = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[0]),
            Password = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[1]),
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new RabbitMQ.Client.BasicProperties { ContentType = contentType, Persistent = true, MessageId = Guid.NewGuid().ToString() };
        await channel.BasicPublishAsync(exchange, "", mandatory: true, properties, body);
    }

    /// <summary>Declares a classic durable queue through the management API (a test that needs a topology conflict).</summary>
    public async Task DeclareClassicQueueAsync(string queue)
    {
        using var response = await _http.PutAsJsonAsync($"api/queues/{Name}/{Uri.EscapeDataString(queue)}",
            new { durable = true, auto_delete = false, arguments = new Dictionary<string, object> { ["x-queue-type"] = "classic" } });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Takes up to <paramref name="count"/> messages off <paramref name="queue"/> (acknowledging them).</summary>
    public async Task<IReadOnlyList<JsonElement>> GetMessagesAsync(string queue, int count)
    {
        using var response = await _http.PostAsJsonAsync($"api/queues/{Name}/{Uri.EscapeDataString(queue)}/get",
            new { count, ackmode = "ack_requeue_false", encoding = "auto" });
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return [];
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} from GET {queue}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.EnumerateArray().ToList();
    }

    /// <summary>Polls <paramref name="queue"/> until a message arrives or <paramref name="timeout"/> passes.</summary>
    public async Task<JsonElement?> WaitForMessageAsync(string queue, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!cts.IsCancellationRequested)
        {
            try
            {
                var messages = await GetMessagesAsync(queue, 1);
                if (messages.Count > 0)
                    return messages[0];
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                // A quorum queue being declared (MassTransit declares _error at the first fault) answers 400 "noproc"
                // for a moment: not there yet.
            }
            await Task.Delay(200, CancellationToken.None);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _http.DeleteAsync($"api/vhosts/{Name}");
        }
        finally
        {
            _http.Dispose();
        }
    }
}
