using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SegLoop.Hosting;

/// <summary>MassTransit with the transport, endpoint names, retry and error-queue policy every SegLoop process uses.</summary>
public static class BusExtensions
{
    /// <summary>
    /// Registers MassTransit on the transport named by <c>Bus:Transport</c>. Endpoints are kebab-case and durable
    /// (quorum queues on RabbitMQ unless <c>Bus:RabbitMq:QuorumQueues</c> is off). Retry is each consumer's: its
    /// definition calls <see cref="ConsumerRetryExtensions.UseSegLoopRetry"/>. Nothing is caught and acknowledged.
    /// The bus health check is tagged <c>ready</c> (served at <c>/healthz/ready</c>).
    /// </summary>
    public static TBuilder AddSegLoopBus<TBuilder>(this TBuilder builder, Action<IBusRegistrationConfigurator> configure)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddSegLoopOptions<BusOptions>(BusOptions.SectionName);

        // The transport decides which registration runs, so it is read now; every other setting is read
        // through IOptions when the bus starts, which validates it and names a bad key.
        var transport = builder.Configuration.GetSection(BusOptions.SectionName).GetValue(nameof(BusOptions.Transport), BusTransport.InMemory);

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // MassTransit 8.4 reports anonymous usage telemetry to usage-tracking.masstransit.io a while after the bus
            // starts. Workers on a private cluster should not call out, and without egress each would log a warning;
            // off here (MassTransit's own MASSTRANSIT_USAGE_TELEMETRY=true turns it back on).
            bus.ConfigureUsageTelemetryOptions(options => options.Enabled = false);
            configure(bus);

            bus.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit && context.GetRequiredService<IOptions<BusOptions>>().Value.RabbitMq.QuorumQueues)
                    rabbit.SetQuorumQueue();
            });

            if (transport == BusTransport.RabbitMq)
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    var options = context.GetRequiredService<IOptions<BusOptions>>().Value;
                    var rabbit = options.RabbitMq;
                    var logger = context.GetRequiredService<ILoggerFactory>().CreateLogger("SegLoop.Hosting.Bus");
                    Log.BusTransport(logger, "RabbitMq", $"{rabbit.Host}:{rabbit.Port}{(rabbit.VirtualHost.StartsWith('/') ? "" : "/")}{rabbit.VirtualHost}");
                    if (rabbit.UsesDefaultPasswordOffLoopback())
                        Log.DefaultRabbitMqPassword(logger, rabbit.Host);
                    cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, h =>
                    {
                        h.Username(rabbit.Username);
                        h.Password(rabbit.ResolvePassword());
                        // A publish completes only when the broker has taken the message (MassTransit's default,
                        // stated so it cannot be lost by a default changing): a consumer is acknowledged only after
                        // its events are safe, and the webhook answers 202 only after its event is.
                        h.PublisherConfirmation = true;
                    });
                    cfg.PrefetchCount = options.PrefetchCount;
                    cfg.Durable = true;
                    Serialization(cfg);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    var options = context.GetRequiredService<IOptions<BusOptions>>().Value;
                    Log.BusTransport(context.GetRequiredService<ILoggerFactory>().CreateLogger("SegLoop.Hosting.Bus"),
                        "InMemory", "loopback://localhost/");
                    cfg.ConcurrentMessageLimit = options.PrefetchCount;
                    Serialization(cfg);
                    cfg.ConfigureEndpoints(context);
                });
            }
        });

        if (transport == BusTransport.RabbitMq)
        {
            // The consumer watchdog (Bus:Watchdog): the bus reports its endpoints, the watchdog asks the broker about them.
            builder.Services.AddSingleton<EndpointActivity>();
            builder.Services.AddReceiveEndpointObserver(sp => sp.GetRequiredService<EndpointActivity>());
            builder.Services.AddReceiveObserver(sp => sp.GetRequiredService<EndpointActivity>());
            builder.Services.TryAddSingleton<IConsumerStallHandler, ExitOnConsumerStall>();
            builder.Services.AddHostedService<ConsumerWatchdog>();
        }

        // Stopping the bus waits for in-flight messages up to the host's shutdown timeout; what is not
        // finished by then is not acknowledged, so the broker delivers it again.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure<IOptions<HostingOptions>>((mt, hosting) =>
        {
            mt.StopTimeout = hosting.Value.ShutdownTimeout;
        });
        return builder;
    }

    /// <summary>
    /// MassTransit's JSON envelope both ways, with two changes. It indents the JSON it sends by default: a
    /// pre-annotation's polygons are long arrays of numbers, one per indented line, so compact JSON is about a third of
    /// the bytes on the broker and of the work to write and parse. And a body that is not an envelope (plain JSON, text,
    /// bytes; with any content type or none) goes to <c>_error</c> with a reason a person can act on
    /// (<see cref="EnvelopeDeserializer"/>) instead of MassTransit's "ArgumentNullException ... envelope".
    /// </summary>
    private static void Serialization(IBusFactoryConfigurator cfg)
    {
        cfg.ConfigureJsonSerializerOptions(options =>
        {
            options.WriteIndented = false;
            return options;
        });
        cfg.AddDeserializer(new EnvelopeDeserializerFactory(), isDefault: true);
    }
}
