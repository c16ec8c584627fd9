using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SegLoop.Hosting;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;

namespace SegLoop.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// Ingest options (section <c>Ingest</c>, validated at start), the <see cref="IngestProcessor"/>, the stored-task
    /// reader, the webhook handler and the HTTP client for image URLs. Needs an <see cref="SegLoop.Storage.IBlobStore"/>
    /// (<c>services.AddBlobStore(configuration)</c>) registered by the host.
    /// </summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSegLoopOptions<IngestOptions>(IngestOptions.SectionName);
        services.AddHttpClient(IngestProcessor.HttpClientName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IngestProcessor>();
        services.TryAddSingleton<StoredTaskReader>();
        services.TryAddScoped<WebhookHandler>();
        services.AddHealthChecks().AddCheck<WebhookSecretHealthCheck>(WebhookSecretHealthCheck.Name, tags: [HostingExtensions.ReadyTag]);
        // A stored task that does not parse, or a blob that is not there, will not get better on a retry.
        services.AddPermanentFailures(typeof(FormatException));
        services.AddPermanentFailures(StorageFailures.Permanent);
        return services;
    }

    public static void AddIngestConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<AnnotationTaskCompletedConsumer, AnnotationTaskCompletedConsumerDefinition>();
    }

    /// <summary>
    /// Maps <c>POST /v1/tasks/completed</c> and Label Studio's <c>POST /v1/labelstudio/events</c>. Throws at start-up when neither <c>Ingest:Webhook:Secret</c> nor
    /// <c>Ingest:Webhook:SecretFile</c> is set: an unguarded webhook is never served.
    /// </summary>
    public static IEndpointConventionBuilder MapIngestWebhook(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ServiceProvider.GetRequiredService<IOptions<IngestOptions>>().Value;
        if (string.IsNullOrEmpty(options.Webhook.ResolveSecret()))
            throw new InvalidOperationException(
                "Ingest:Webhook:Secret or Ingest:Webhook:SecretFile must be set to serve POST /v1/tasks/completed and /v1/labelstudio/events.");
        var webhooks = app.MapGroup("");
        webhooks.MapPost(WebhookHandler.Route, (HttpContext http, WebhookHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(http, cancellationToken));
        webhooks.MapPost(WebhookHandler.LabelStudioRoute, (HttpContext http, WebhookHandler handler, CancellationToken cancellationToken) =>
            handler.HandleLabelStudioAsync(http, cancellationToken));
        return webhooks;
    }
}
