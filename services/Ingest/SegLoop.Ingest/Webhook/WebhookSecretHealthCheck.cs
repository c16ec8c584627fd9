using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace SegLoop.Ingest.Webhook;

/// <summary>
/// Ready only while the webhook's secret can be read: a secret file deleted, emptied or made unreadable while running
/// makes every request fail, so <c>/healthz/ready</c> must say so instead of "healthy".
/// </summary>
public sealed class WebhookSecretHealthCheck(IOptions<IngestOptions> options) : IHealthCheck
{
    public const string Name = "webhook-secret";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var webhook = options.Value.Webhook;
        if (string.IsNullOrWhiteSpace(webhook.SecretFile))
            return Task.FromResult(HealthCheckResult.Healthy("the secret is set inline (or no webhook is served)"));
        return Task.FromResult(webhook.TryResolveSecret(out _, out var problem)
            ? HealthCheckResult.Healthy($"the secret file {webhook.SecretFile} is readable")
            : HealthCheckResult.Unhealthy(problem));
    }
}
