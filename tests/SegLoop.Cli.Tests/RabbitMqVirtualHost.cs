using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using SegLoop.Testing;

namespace SegLoop.Cli.Tests;

/// <summary>A fresh virtual host on the rig's RabbitMQ for one test, deleted afterwards.</summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    private readonly HttpClient http;

    private RabbitMqVirtualHost(HttpClient http, string name)
    {
        this.http = http;
        Name = name;
    }

    public string Name { get; }

    public static async Task<RabbitMqVirtualHost> CreateAsync()
    {
        var amqp = Rig.RabbitMqUri;
        var user = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[1]);
        var http = new HttpClient { BaseAddress = Rig.RabbitMqManagementUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        var name = "test-" + Guid.NewGuid().ToString("N")[..12];
        (await http.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"api/permissions/{name}/{Uri.EscapeDataString(user)}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new RabbitMqVirtualHost(http, name);
    }

    /// <summary>The bus settings for this virtual host, as configuration keys (Bus:...).</summary>
    public IReadOnlyDictionary<string, string> BusSettings()
    {
        var amqp = Rig.RabbitMqUri;
        return new Dictionary<string, string>
        {
            ["Bus:Transport"] = "RabbitMq",
            ["Bus:RabbitMq:Host"] = amqp.Host,
            ["Bus:RabbitMq:Port"] = amqp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:VirtualHost"] = Name,
            ["Bus:RabbitMq:Username"] = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[0]),
            ["Bus:RabbitMq:Password"] = Uri.UnescapeDataString(amqp.UserInfo.Split(':')[1]),
            ["Bus:RabbitMq:QuorumQueues"] = "false",
        };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await http.DeleteAsync($"api/vhosts/{Name}");
        }
        finally
        {
            http.Dispose();
        }
    }
}
