using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Contracts;
using SegLoop.Interop.LabelStudio;
using SegLoop.Storage;

namespace SegLoop.Ingest.Webhook;

/// <summary>What the webhook answers: the task id, and the reasons when the body was refused (or why an event was ignored).</summary>
public sealed record WebhookResponse(string? TaskId, IReadOnlyList<Rejection>? Reasons = null, string? Error = null, string? Ignored = null);

/// <summary>
/// <c>POST /v1/tasks/completed</c> (SegLoop's task JSON) and <c>POST /v1/labelstudio/events</c> (Label Studio's
/// ANNOTATION_CREATED / ANNOTATION_UPDATED webhook, mapped by <see cref="LabelStudioTask"/> as <c>segloop ingest
/// labelstudio</c> maps an export). Both check the shared secret (constant time), read the body up to
/// Ingest:Webhook:MaxBodyBytes, validate what needs no image, store the task under a deterministic key and publish
/// <see cref="AnnotationTaskCompleted"/>. The image checks run in the consumer.
/// </summary>
public sealed class WebhookHandler(IBlobStore store, IPublishEndpoint publish, IOptions<IngestOptions> options, ILogger<WebhookHandler> logger)
{
    public const string SecretHeader = "X-SegLoop-Secret";
    public const string Route = "/v1/tasks/completed";
    public const string LabelStudioRoute = "/v1/labelstudio/events";

    public Task<IResult> HandleAsync(HttpContext http, CancellationToken cancellationToken) =>
        GuardAsync(http, EntryPoints.Webhook, TaskAsync, cancellationToken);

    /// <summary>Label Studio's event; the SegLoop customer, project and domain come from the query string (<c>?customer=&amp;project=&amp;domain=</c>).</summary>
    public Task<IResult> HandleLabelStudioAsync(HttpContext http, CancellationToken cancellationToken) =>
        GuardAsync(http, EntryPoints.LabelStudioWebhook, LabelStudioEventAsync, cancellationToken);

    /// <summary>The secret, the body's size, and a 503 with a reason when storage or the broker fails.</summary>
    private async Task<IResult> GuardAsync(HttpContext http, string entryPoint, Func<HttpContext, byte[], CancellationToken, Task<IResult>> handle,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
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
                return await RefuseAsync(null, null, null, [tooLarge], StatusCodes.Status413PayloadTooLarge, entryPoint, cancellationToken).ConfigureAwait(false);
            }
            return await handle(http, body, cancellationToken).ConfigureAwait(false);
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

    private async Task<IResult> TaskAsync(HttpContext http, byte[] body, CancellationToken cancellationToken)
    {
        var o = options.Value;
        // The instance count first, from a scan that builds nothing: over Ingest:MaxInstances the body is refused
        // before an object per instance is made (16 MiB of "{}," is five million of them).
        if (TaskBodyOutline.Scan(body) is { } outline && outline.InstanceCount > o.MaxInstances)
        {
            var tooMany = RejectionCodes.Of(RejectionCodes.TooManyInstances,
                $"The task has {outline.InstanceCount} instances; at most {o.MaxInstances} are accepted (Ingest:MaxInstances).", "instances");
            return await RefuseAsync(outline.TaskId, outline.Customer, outline.Project, [tooMany], StatusCodes.Status400BadRequest, EntryPoints.Webhook, cancellationToken).ConfigureAwait(false);
        }

        TaskPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<TaskPayload>(body, PayloadJson.Options);
        }
        catch (JsonException e)
        {
            var bad = RejectionCodes.Of(RejectionCodes.InvalidJson, $"The body is not a valid task: {e.Message}", e.Path ?? "$");
            return await RefuseAsync(null, null, null, [bad], StatusCodes.Status400BadRequest, EntryPoints.Webhook, cancellationToken).ConfigureAwait(false);
        }
        if (payload is null)
        {
            var bad = RejectionCodes.Of(RejectionCodes.InvalidJson, "The body is JSON null; a task object is expected.", "$");
            return await RefuseAsync(null, null, null, [bad], StatusCodes.Status400BadRequest, EntryPoints.Webhook, cancellationToken).ConfigureAwait(false);
        }
        return await AcceptAsync(payload, [], SourceFormats.Webhook, EntryPoints.Webhook, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IResult> LabelStudioEventAsync(HttpContext http, byte[] body, CancellationToken cancellationToken)
    {
        const string EntryPoint = EntryPoints.LabelStudioWebhook;
        LsWebhookEvent? e;
        try
        {
            e = JsonSerializer.Deserialize<LsWebhookEvent>(body, LsJson.Options);
        }
        catch (JsonException x)
        {
            var bad = RejectionCodes.Of(RejectionCodes.InvalidJson, $"The body is not a Label Studio webhook event: {x.Message}", x.Path ?? "$");
            return await RefuseAsync(null, null, null, [bad], StatusCodes.Status400BadRequest, EntryPoint, cancellationToken).ConfigureAwait(false);
        }
        if (e?.Action is not (LsWebhookEvent.AnnotationCreated or LsWebhookEvent.AnnotationUpdated))
        {
            // Label Studio sends every event the webhook is subscribed to; the others are no task and no error.
            return Results.Json(new WebhookResponse(null, Ignored: $"action '{e?.Action}' is not ingested (only {LsWebhookEvent.AnnotationCreated} and {LsWebhookEvent.AnnotationUpdated})"));
        }
        var query = http.Request.Query;
        var (customer, project, domain) = (query["customer"].ToString(), query["project"].ToString(), query["domain"].ToString());
        if (e.Task is null || e.Annotation is null)
        {
            var missing = RejectionCodes.Of(RejectionCodes.MissingField, $"A {e.Action} event carries \"task\" and \"annotation\".", e.Task is null ? "task" : "annotation");
            return await RefuseAsync(e.Task?.Id, customer, project, [missing], StatusCodes.Status400BadRequest, EntryPoint, cancellationToken).ConfigureAwait(false);
        }
        var o = options.Value;
        if (e.Annotation.Result is { } results && results.Count > o.MaxInstances)
        {
            // Before any brush is decoded.
            var tooMany = RejectionCodes.Of(RejectionCodes.TooManyInstances,
                $"The annotation has {results.Count} results; at most {o.MaxInstances} are accepted (Ingest:MaxInstances).", "annotation.result");
            return await RefuseAsync(e.Task.Id, customer, project, [tooMany], StatusCodes.Status400BadRequest, EntryPoint, cancellationToken).ConfigureAwait(false);
        }
        // The event's annotation is the one saved: it is the task's annotation, whatever the task object lists.
        var request = LabelStudioTask.ToRequest(e.Task with { Annotations = [e.Annotation] }, 0, customer, project, domain,
            LabelStudioTask.StorageKey, imageSource: null, EntryPoint);
        return await AcceptAsync(request.Payload, request.ImportProblems, SourceFormats.LabelStudio, EntryPoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates, stores under <see cref="IngestKeys.Incoming"/> and announces the task; or refuses it with every reason.</summary>
    private async Task<IResult> AcceptAsync(TaskPayload payload, IReadOnlyList<Rejection> problems, string sourceFormat, string entryPoint,
        CancellationToken cancellationToken)
    {
        var reasons = problems.Concat(PayloadValidator.Validate(payload, options.Value)).ToList();
        if (reasons.Count > 0)
            return await RefuseAsync(payload.TaskId, payload.Customer, payload.Project, reasons, StatusCodes.Status400BadRequest, entryPoint, cancellationToken).ConfigureAwait(false);

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
            SourceFormat = sourceFormat,
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
        string entryPoint, CancellationToken cancellationToken)
    {
        Log.WebhookBadRequest(logger, status, string.Join(", ", reasons.Select(r => r.Code).Distinct()));
        // The answer and the event say the same, bounded: a body of a million bad instances gets a hundred reasons and a count.
        var rejected = Rejections.Create(taskId, customer, project, entryPoint, reasons);
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
