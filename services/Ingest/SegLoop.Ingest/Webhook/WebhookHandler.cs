using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Ingest.Webhook;

/// <summary>What the webhook answers: the task id, and the reasons when the body was refused.</summary>
public sealed record WebhookResponse(string? TaskId, IReadOnlyList<Rejection>? Reasons = null, string? Error = null);

/// <summary>
/// <c>POST /v1/tasks/completed</c>: checks the shared secret (constant time), reads the body up to
/// Ingest:Webhook:MaxBodyBytes, validates what needs no image, stores the task under a deterministic key and
/// publishes <see cref="AnnotationTaskCompleted"/>. The image checks run in the consumer.
/// </summary>
public sealed class WebhookHandler(IBlobStore store, IPublishEndpoint publish, IOptions<IngestOptions> options, ILogger<WebhookHandler> logger)
{
    public const string SecretHeader = "X-SegLoop-Secret";
    public const string Route = "/v1/tasks/completed";

    public async Task<IResult> HandleAsync(HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            return await HandleCoreAsync(http, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Storage or the broker failed: the caller may send the task again; it gets a reason, never an empty 500.
            Log.WebhookUnavailable(logger, e);
            http.Response.Headers.RetryAfter = "30";
            return Results.Json(new WebhookResponse(null, Error: "the task could not be stored or announced now; send it again later"),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private async Task<IResult> HandleCoreAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Webhook.TryResolveSecret(out var secret, out var problem))
        {
            Log.WebhookSecretUnreadable(logger, problem);
            http.Response.Headers.RetryAfter = "30";
            return Results.Json(new WebhookResponse(null, Error: "the webhook cannot check secrets now (its secret is unreadable); try again later"),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (!SecretMatches(http.Request.Headers[SecretHeader].ToString(), secret))
        {
            Log.WebhookUnauthorized(logger, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.ContainsKey(SecretHeader) ? "wrong secret" : "no secret header");
            return Results.Json(new WebhookResponse(null, Error: $"missing or wrong {SecretHeader} header"), statusCode: StatusCodes.Status401Unauthorized);
        }

        var limit = o.Webhook.MaxBodyBytes;
        var body = await ReadBodyAsync(http, limit, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            var tooLarge = RejectionCodes.Of(RejectionCodes.BodyTooLarge,
                $"The body is larger than {limit} bytes (Ingest:Webhook:MaxBodyBytes).", "body");
            return await RefuseAsync(null, null, null, [tooLarge], StatusCodes.Status413PayloadTooLarge, cancellationToken).ConfigureAwait(false);
        }

        // The instance count first, from a scan that builds nothing: over Ingest:MaxInstances the body is refused
        // before an object per instance is made (16 MiB of "{}," is five million of them).
        if (TaskBodyOutline.Scan(body) is { } outline && outline.InstanceCount > o.MaxInstances)
        {
            var tooMany = RejectionCodes.Of(RejectionCodes.TooManyInstances,
                $"The task has {outline.InstanceCount} instances; at most {o.MaxInstances} are accepted (Ingest:MaxInstances).", "instances");
            return await RefuseAsync(outline.TaskId, outline.Customer, outline.Project, [tooMany], StatusCodes.Status400BadRequest, cancellationToken).ConfigureAwait(false);
        }

        TaskPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<TaskPayload>(body, PayloadJson.Options);
        }
        catch (JsonException e)
        {
            var bad = RejectionCodes.Of(RejectionCodes.InvalidJson, $"The body is not a valid task: {e.Message}", e.Path ?? "$");
            return await RefuseAsync(null, null, null, [bad], StatusCodes.Status400BadRequest, cancellationToken).ConfigureAwait(false);
        }
        if (payload is null)
        {
            var bad = RejectionCodes.Of(RejectionCodes.InvalidJson, "The body is JSON null; a task object is expected.", "$");
            return await RefuseAsync(null, null, null, [bad], StatusCodes.Status400BadRequest, cancellationToken).ConfigureAwait(false);
        }

        var reasons = PayloadValidator.Validate(payload, o);
        if (reasons.Count > 0)
            return await RefuseAsync(payload.TaskId, payload.Customer, payload.Project, reasons, StatusCodes.Status400BadRequest, cancellationToken).ConfigureAwait(false);

        var (taskId, customer, project) = (payload.TaskId!.Trim(), payload.Customer!.Trim(), payload.Project!.Trim());
        var key = IngestKeys.Incoming(customer, project, taskId);
        await store.PutJsonAsync(key, payload, PayloadJson.Options, cancellationToken).ConfigureAwait(false);
        await publish.Publish(new AnnotationTaskCompleted
        {
            TaskId = taskId,
            Customer = customer,
            Project = project,
            Domain = payload.Domain!.Trim(),
            ImageKey = payload.Image!,
            AnnotationKey = key,
            SourceFormat = SourceFormats.Webhook,
            FullScene = payload.FullScene,
        }, cancellationToken).ConfigureAwait(false);
        Log.WebhookAccepted(logger, taskId, customer, project, key);
        return Results.Json(new WebhookResponse(taskId), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Compares SHA-256 digests in constant time, so neither the content nor the length of the secret leaks through timing.</summary>
    internal static bool SecretMatches(string? presented, string? expected)
    {
        if (string.IsNullOrEmpty(presented) || string.IsNullOrEmpty(expected))
            return false;
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    private async Task<IResult> RefuseAsync(string? taskId, string? customer, string? project, IReadOnlyList<Rejection> reasons, int status,
        CancellationToken cancellationToken)
    {
        Log.WebhookBadRequest(logger, status, string.Join(", ", reasons.Select(r => r.Code).Distinct()));
        // The answer and the event say the same, bounded: a body of a million bad instances gets a hundred reasons and a count.
        var rejected = Rejections.Create(taskId, customer, project, EntryPoints.Webhook, reasons);
        await publish.Publish(rejected, cancellationToken).ConfigureAwait(false);
        return Results.Json(new WebhookResponse(string.IsNullOrWhiteSpace(taskId) ? null : rejected.TaskId, rejected.Reasons), statusCode: status);
    }

    /// <summary>The body, or null when it is over <paramref name="limit"/> bytes (declared or actual).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength is { } declared && declared > limit)
            return null;
        // Our own limit decides (with a reason in the answer), not the server's default.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit + 1;
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                    return null;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }
}
