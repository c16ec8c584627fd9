using System.Security.Cryptography;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// The pre-annotation API <c>segloop run</c> serves on its loopback port (the deployed services take requests from the
/// bus): <c>PUT /v1/images/NAME</c> stores an image and answers its key; <c>POST /v1/pre-annotations</c> takes a
/// <see cref="PreAnnotationRequested"/> (request id optional) and publishes it; <c>GET /v1/pre-annotations/ID</c> answers
/// the masks once Inference wrote them (<c>prelabels/ID.json</c>), 404 until then.
/// </summary>
public static class LocalApi
{
    public const string Route = "/v1/pre-annotations";
    public const string ImagesRoute = "/v1/images";
    public const string ImagePrefix = "images/api/";

    public static void MapPreAnnotationApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPut(ImagesRoute + "/{name}", async (string name, HttpRequest request, IBlobStore store, CancellationToken ct) =>
        {
            if (name.Length is 0 or > 100 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
                return Results.BadRequest(new { error = "NAME must be 1-100 letters, digits, '.', '_' or '-'" });
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, ct);
            if (body.Length == 0)
                return Results.BadRequest(new { error = "the body is empty; send the image bytes" });
            var key = ImagePrefix + name;
            await store.PutBytesAsync(key, body.ToArray(), request.ContentType ?? "application/octet-stream", ct);
            return Results.Ok(new { imageKey = key });
        });
        app.MapPost(Route, async (HttpRequest request, IPublishEndpoint publish, CancellationToken ct) =>
        {
            ApiRequest? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<ApiRequest>(request.Body, JsonSerializerOptions.Web, ct);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = $"the body is not a pre-annotation request: {e.Message}" });
            }
            if (body is null || string.IsNullOrWhiteSpace(body.ImageKey) || body.Prompts is not { Count: > 0 })
                return Results.BadRequest(new { error = "give imageKey and at least one prompt ({\"box\": {\"x\", \"y\", \"width\", \"height\"}})" });
            var message = new PreAnnotationRequested
            {
                RequestId = string.IsNullOrEmpty(body.RequestId) ? "api-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) : body.RequestId,
                ImageKey = body.ImageKey,
                Prompts = body.Prompts,
                Model = body.Model,
                Domain = body.Domain,
                Threshold = body.Threshold ?? 0.5,
            };
            await publish.Publish(message, ct);
            return Results.Accepted($"{Route}/{message.RequestId}", new { requestId = message.RequestId, result = $"{Route}/{message.RequestId}" });
        });
        app.MapGet(Route + "/{id}", async (string id, IBlobStore store, CancellationToken ct) =>
        {
            try
            {
                var bytes = await store.GetBytesAsync($"prelabels/{id}.json", ct);
                return Results.Bytes(bytes, "application/json");
            }
            catch (Exception e) when (e is BlobNotFoundException or InvalidBlobKeyException)
            {
                return Results.NotFound(new { requestId = id, status = "pending or unknown" });
            }
        });
    }

    /// <summary>The body of POST /v1/pre-annotations: a <see cref="PreAnnotationRequested"/> whose request id may be left out.</summary>
    private sealed record ApiRequest(string? RequestId, string? ImageKey, List<Prompt>? Prompts, string? Model, string? Domain, double? Threshold);
}
