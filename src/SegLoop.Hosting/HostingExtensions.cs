using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace SegLoop.Hosting;

/// <summary>The hosting defaults every SegLoop process shares: logs, telemetry, health, shutdown, options.</summary>
public static class HostingExtensions
{
    /// <summary>Health-check tag of checks that say the process is alive (<c>/healthz/live</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>Health-check tag of checks that say the process can do work (<c>/healthz/ready</c>); MassTransit tags its bus check so.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Console logs (simple single-line by default; <c>Logging:Console:FormatterName=json</c> for JSON lines),
    /// OpenTelemetry traces and metrics (OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), the liveness check,
    /// <see cref="TimeProvider"/>, and the <c>Hosting</c> options (shutdown timeout).
    /// </summary>
    public static TBuilder AddSegLoopDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var services = builder.Services;

        // The formatter is picked by Logging:Console:FormatterName (simple | json | systemd); only the
        // formatters' own settings are defaulted here, so configuration keeps the last word.
        builder.Logging.AddConsole();
        // Without a FormatterName the console logger falls back to its legacy format and ignores the formatter options.
        services.PostConfigure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });

        services.TryAddSingleton(TimeProvider.System);

        services.AddSegLoopTelemetry(serviceName, builder.Configuration);

        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        services.AddSegLoopOptions<HostingOptions>(HostingOptions.SectionName);
        services.AddOptions<HostOptions>().Configure<IOptions<HostingOptions>>((host, hosting) =>
            host.ShutdownTimeout = hosting.Value.ShutdownTimeout);
        return builder;
    }

    /// <summary>Maps <c>/healthz/live</c> (the process answers) and <c>/healthz/ready</c> (checks tagged <c>ready</c>: the bus).</summary>
    public static TEndpoints MapSegLoopDefaults<TEndpoints>(this TEndpoints endpoints)
        where TEndpoints : IEndpointRouteBuilder
    {
        endpoints.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        endpoints.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}
