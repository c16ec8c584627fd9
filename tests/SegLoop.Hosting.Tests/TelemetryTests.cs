using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace SegLoop.Hosting.Tests;

/// <summary>The hosting defaults' OpenTelemetry: providers built when the host starts, OTLP only when its endpoint is set.</summary>
public sealed class TelemetryTests
{
    private const string ServiceName = "telemetry-tests";

    private static IHost Build(CapturingLoggerProvider log, string? endpoint)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection([new(SegLoopTelemetry.OtlpEndpointKey, endpoint), new("Logging:LogLevel:Default", "Debug")]);
        builder.AddSegLoopDefaults(ServiceName);
        builder.Logging.AddProvider(log);
        return builder.Build();
    }

    [Fact]
    public async Task Start_NoEndpoint_TracesAndMetricsInProcessWithoutOtlp()
    {
        var log = new CapturingLoggerProvider();
        using var host = Build(log, null);

        await host.StartAsync();

        var tracing = host.Services.GetRequiredService<TracerProvider>();
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        Assert.Contains(tracing.GetResource().Attributes, a => a.Key == "service.name" && Equals(a.Value, ServiceName));
        using (var source = new ActivitySource(SegLoopTelemetry.SourcePrefix + nameof(TelemetryTests)))
            Assert.True(source.HasListeners(), "SegLoop's activity sources are not traced");
        Assert.Contains(log.Entries, e => e.Message == $"{ServiceName} telemetry: no OTLP endpoint set, traces and metrics stay in process");
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("OTLP export to", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_EndpointConfigured_OtlpExportToIt()
    {
        var log = new CapturingLoggerProvider();
        using var host = Build(log, "http://127.0.0.1:4317");

        await host.StartAsync();

        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message == $"{ServiceName} telemetry: OTLP export to http://127.0.0.1:4317");
        // The exporter reads the endpoint from configuration, not only from the environment (here it is in neither).
        Assert.Equal(new Uri("http://127.0.0.1:4317"), host.Services.GetRequiredService<IOptionsMonitor<OtlpExporterOptions>>().CurrentValue.Endpoint);
        await host.StopAsync();
    }

    [Fact]
    public void Start_EndpointNotAUri_FailsNamingTheKey()
    {
        using var host = Build(new CapturingLoggerProvider(), "not a uri");

        var error = Assert.Throws<InvalidOperationException>(host.Start);

        Assert.Contains(SegLoopTelemetry.OtlpEndpointKey, error.Message, StringComparison.Ordinal);
    }
}
