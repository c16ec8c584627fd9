using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SegLoop.Hosting.Tests;

/// <summary>A bad setting stops the host at start with a message that names the configuration key.</summary>
public sealed class OptionsValidationTests
{
    private static IHost BuildHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddSegLoopDefaults("options-tests");
        builder.AddSegLoopBus(_ => { });
        return builder.Build();
    }

    [Theory]
    [InlineData("Bus:PrefetchCount", "0")]
    [InlineData("Bus:RabbitMq:Port", "70000")]
    [InlineData("Bus:RabbitMq:Host", "")]
    [InlineData("Bus:RabbitMq:PasswordFile", "/nonexistent/segloop/password")]
    [InlineData("Bus:Retry:Intervals:0", "-5")]
    [InlineData("Hosting:ShutdownTimeout", "00:00:00")]
    public async Task StartAsync_InvalidSetting_FailsNamingTheKey(string key, string value)
    {
        // Hosting options are read while the host is built, bus options when it starts: either way it never runs.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            using var host = BuildHost((key, value));
            await host.StartAsync();
        });

        Assert.Contains(key.Split(':')[^1] == "0" ? key[..key.LastIndexOf(':')] : key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ValidSettings_Starts()
    {
        using var host = BuildHost(("Bus:PrefetchCount", "4"), ("Hosting:ShutdownTimeout", "00:00:05"));

        await host.StartAsync();

        Assert.Equal(TimeSpan.FromSeconds(5), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        await host.StopAsync();
    }

    [Fact]
    public void AddSegLoopBus_UnknownTransport_FailsNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("Bus:Transport", "Kafka")]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddSegLoopBus(_ => { }));

        Assert.Contains("Bus:Transport", error.Message, StringComparison.Ordinal);
    }
}
