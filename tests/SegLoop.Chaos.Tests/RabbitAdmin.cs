using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SegLoop.Testing;

namespace SegLoop.Chaos.Tests;

/// <summary>The rig's RabbitMQ management API: a virtual host and a user of a test's own, queue depths, error-queue contents.</summary>
public sealed class RabbitAdmin : IDisposable
{
    private readonly HttpClient _http;

    public RabbitAdmin()
    {
        var amqp = Rig.RabbitMqUri;
        _http = new HttpClient { BaseAddress = Rig.RabbitMqManagementUri, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(amqp.UserInfo))));
    }

    /// <summary>Creates the virtual host and a user that may use only it, with <paramref name="password"/>.</summary>
    public async Task CreateVirtualHostWithUserAsync(string vhost, string user, string password)
    {
        (await _http.PutAsync($"api/vhosts/{Uri.EscapeDataString(vhost)}", null).ConfigureAwait(false)).EnsureSuccessStatusCode();
        (await _http.PutAsJsonAsync($"api/users/{Uri.EscapeDataString(user)}", new { password, tags = "" }).ConfigureAwait(false)).EnsureSuccessStatusCode();
        (await _http.PutAsJsonAsync($"api/permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" }).ConfigureAwait(false)).EnsureSuccessStatusCode();
    }

    public async Task DeleteVirtualHostAndUserAsync(string vhost, string user)
    {
        await _http.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(vhost)}").ConfigureAwait(false);
        await _http.DeleteAsync($"api/users/{Uri.EscapeDataString(user)}").ConfigureAwait(false);
    }

    /// <summary>Every queue of the virtual host with its message count (ready + unacknowledged).</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync(string vhost) =>
        (await QueueStatesAsync(vhost).ConfigureAwait(false)).ToDictionary(q => q.Name, q => q.Ready + q.Unacked);

    /// <summary>
    /// Every queue of the virtual host: messages ready, unacknowledged, and consumers attached. A queue whose stats are
    /// not sampled yet has none of these fields: they count as 0.
    /// </summary>
    public async Task<IReadOnlyList<QueueState>> QueueStatesAsync(string vhost)
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync($"api/queues/{Uri.EscapeDataString(vhost)}").ConfigureAwait(false));
        return doc.RootElement.EnumerateArray().Select(q => new QueueState(
            q.GetProperty("name").GetString()!, Number(q, "messages_ready"), Number(q, "messages_unacknowledged"), Number(q, "consumers"))).ToList();

        static long Number(JsonElement queue, string name) =>
            queue.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
    }

    /// <summary>Reads (and requeues) up to <paramref name="count"/> messages of a queue: the envelope JSON and the headers.</summary>
    public async Task<IReadOnlyList<(JsonElement Envelope, JsonElement Headers)>> PeekAsync(string vhost, string queue, int count, bool parse = true)
    {
        using var response = await _http.PostAsJsonAsync($"api/queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto", truncate = 100_000 }).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return []; // the queue is declared on its first fault
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        var result = new List<(JsonElement, JsonElement)>();
        foreach (var m in doc.RootElement.EnumerateArray())
        {
            var headers = m.GetProperty("properties").TryGetProperty("headers", out var h) ? h.Clone() : default;
            if (!parse)
            {
                result.Add((default, headers));
                continue;
            }
            using var envelope = JsonDocument.Parse(m.GetProperty("payload").GetString()!);
            result.Add((envelope.RootElement.Clone(), headers));
        }
        return result;
    }

    /// <summary>Publishes raw bytes (as a MassTransit JSON envelope would travel) to an exchange; true when a queue took it.</summary>
    public async Task<bool> PublishRawAsync(string vhost, string exchange, string body)
    {
        using var response = await _http.PostAsJsonAsync($"api/exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(exchange)}/publish", new
        {
            properties = new { content_type = "application/vnd.masstransit+json", delivery_mode = 2 },
            routing_key = "",
            payload = body,
            payload_encoding = "string",
        }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return doc.RootElement.GetProperty("routed").GetBoolean();
    }

    public void Dispose() => _http.Dispose();
}

public sealed record QueueState(string Name, long Ready, long Unacked, long Consumers)
{
    public override string ToString() => $"{Name} {Ready} ready, {Unacked} unacked, {Consumers} consumers";
}
