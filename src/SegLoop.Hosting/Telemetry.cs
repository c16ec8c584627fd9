using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SegLoop.Hosting;

/// <summary>
/// The OpenTelemetry of one service, through OpenTelemetry.Extensions.Hosting (<c>AddOpenTelemetry</c>, whose hosted
/// service builds the providers when the host starts and flushes them when it stops): MassTransit's and SegLoop's
/// sources and meters, ASP.NET Core and runtime metrics, OTLP export only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class SegLoopTelemetry
{
    /// <summary>The configuration key (and environment variable) that turns OTLP export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>ActivitySource and Meter names SegLoop code uses start with this prefix.</summary>
    public const string SourcePrefix = "SegLoop.";

    /// <summary>
    /// Registers the tracer and meter providers. The exporter reads <c>OTEL_EXPORTER_OTLP_*</c> from configuration
    /// (environment variables and appsettings alike); an endpoint that is not an absolute URI stops the host when it
    /// starts, with a message that names the key.
    /// </summary>
    internal static IServiceCollection AddSegLoopTelemetry(this IServiceCollection services, string serviceName, IConfiguration configuration)
    {
        var endpoint = configuration[OtlpEndpointKey];
        var export = !string.IsNullOrWhiteSpace(endpoint);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                // Runs once, when the host starts and builds the providers, before the exporter's own setup.
                // (AddOpenTelemetry's builders are all deferred: they configure with the host's services.)
                ((IDeferredTracerProviderBuilder)tracing).Configure((sp, _) =>
                    Announce(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SegLoopTelemetry)), serviceName, endpoint));
                tracing.AddSource("MassTransit", SourcePrefix + "*", "Microsoft.AspNetCore");
            })
            .WithMetrics(metrics => metrics.AddMeter("MassTransit", SourcePrefix + "*", "Microsoft.AspNetCore.Hosting", "System.Runtime"));
        if (export)
        {
            telemetry.WithTracing(tracing => tracing.AddOtlpExporter());
            telemetry.WithMetrics(metrics => metrics.AddOtlpExporter());
        }
        return services;
    }

    private static void Announce(ILogger logger, string serviceName, string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            Log.OtlpDisabled(logger, serviceName);
            return;
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out _))
            throw new InvalidOperationException($"{OtlpEndpointKey}: '{endpoint}' is not an absolute URI (e.g. http://collector:4317).");
        Log.OtlpEnabled(logger, serviceName, endpoint);
    }
}
