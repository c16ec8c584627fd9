using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SegLoop.Hosting.Tests;

/// <summary>Workers do not call out to MassTransit's usage-telemetry endpoint.</summary>
public sealed class UsageTelemetryTests
{
    [Theory]
    [InlineData("InMemory")]
    [InlineData("RabbitMq")]
    public void AddSegLoopBus_AnyTransport_UsageTelemetryDisabled(string transport)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Bus:Transport"] = transport;
        builder.AddSegLoopDefaults("telemetry-tests");
        builder.AddSegLoopBus(_ => { });
        using var app = builder.Build();

        Assert.False(app.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
