using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace SegLoop.Hosting.Tests;

public sealed class TelemetryTests
{
    private static IConfiguration Config(string? endpoint) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(SegLoopTelemetry.OtlpEndpointKey, endpoint)]).Build();

    [Fact]
    public void Constructor_NoEndpoint_NoOtlpExport()
    {
        using var telemetry = new SegLoopTelemetry("t", Config(null), NullLogger<SegLoopTelemetry>.Instance);

        Assert.Null(telemetry.OtlpEndpoint);
    }

    [Fact]
    public void Constructor_EndpointConfigured_OtlpExportTo()
    {
        using var telemetry = new SegLoopTelemetry("t", Config("http://127.0.0.1:4317"), NullLogger<SegLoopTelemetry>.Instance);

        Assert.Equal(new Uri("http://127.0.0.1:4317"), telemetry.OtlpEndpoint);
    }

    [Fact]
    public void Constructor_EndpointNotAUri_FailsNamingTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new SegLoopTelemetry("t", Config("not a uri"), NullLogger<SegLoopTelemetry>.Instance));

        Assert.Contains(SegLoopTelemetry.OtlpEndpointKey, error.Message, StringComparison.Ordinal);
    }
}
