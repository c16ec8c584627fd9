using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SegLoop.Hosting;

/// <summary>
/// The OpenTelemetry providers of one service, built with the SDK directly (no OpenTelemetry.Extensions.Hosting):
/// MassTransit's and SegLoop's sources and meters, ASP.NET Core and runtime metrics, OTLP export only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Owned by the DI container, so disposing the host flushes them.
/// </summary>
public sealed class SegLoopTelemetry : IDisposable
{
    /// <summary>The configuration key (and environment variable) that turns OTLP export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>ActivitySource and Meter names SegLoop code uses start with this prefix.</summary>
    public const string SourcePrefix = "SegLoop.";

    public SegLoopTelemetry(string serviceName, IConfiguration configuration, ILogger<SegLoopTelemetry> logger)
    {
        ServiceName = serviceName;
        var endpoint = configuration[OtlpEndpointKey];
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource("MassTransit", SourcePrefix + "*", "Microsoft.AspNetCore");
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter("MassTransit", SourcePrefix + "*", "Microsoft.AspNetCore.Hosting", "System.Runtime");

        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            // The exporter reads OTEL_EXPORTER_OTLP_* from the environment itself; an endpoint that only
            // appears in appsettings is passed on explicitly.
            var fromEnvironment = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointKey));
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
                throw new InvalidOperationException($"{OtlpEndpointKey}: '{endpoint}' is not an absolute URI (e.g. http://collector:4317).");
            tracing.AddOtlpExporter(o => { if (!fromEnvironment) o.Endpoint = uri; });
            metrics.AddOtlpExporter(o => { if (!fromEnvironment) o.Endpoint = uri; });
            OtlpEndpoint = uri;
            Log.OtlpEnabled(logger, serviceName, endpoint);
        }
        else
        {
            Log.OtlpDisabled(logger, serviceName);
        }

        TracerProvider = tracing.Build();
        MeterProvider = metrics.Build();
    }

    public string ServiceName { get; }
    public Uri? OtlpEndpoint { get; }
    public TracerProvider TracerProvider { get; }
    public MeterProvider MeterProvider { get; }

    public void Dispose()
    {
        TracerProvider.Dispose();
        MeterProvider.Dispose();
    }

    /// <summary>Builds the providers when the host starts (so spans from the first message are kept).</summary>
    internal sealed class Starter(SegLoopTelemetry telemetry) : IHostedService
    {
        public SegLoopTelemetry Telemetry { get; } = telemetry;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
