using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SegLoop.Hosting;
using SegLoop.Interop.LabelStudio;

namespace SegLoop.Inference.Annotators;

/// <summary>
/// Label Studio's ML backend protocol (<c>GET /health</c>, <c>POST /setup</c>, <c>/predict</c>, <c>/webhook</c>, as
/// label-studio-ml-backend's api.py serves them) and a CVAT interactor (<c>POST /cvat/interactor</c>). Bad requests
/// get a 4xx with <c>{"error": sentence}</c>; HTTP basic auth when Annotators:BasicAuthUser and a password are set.
/// </summary>
public static class AnnotatorEndpoints
{
    private static readonly string[] TrainEvents = ["ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED", "START_TRAINING"];

    public static IServiceCollection AddAnnotators(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSegLoopOptions<AnnotatorsOptions>(AnnotatorsOptions.SectionName);
        services.AddSingleton<AnnotatorSegmenter>();
        services.AddSingleton<AnnotatorService>();
        return services;
    }

    public static RouteGroupBuilder MapAnnotators(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("");
        group.AddEndpointFilter(async (context, next) =>
            Authorized(context.HttpContext) ? await next(context) : Error(401, "Wrong or missing basic auth (Annotators:BasicAuthUser)."));
        group.MapGet("/health", () => Results.Json(new { status = "UP", model_class = "SegLoop" }));
        group.MapPost("/setup", (HttpContext http, AnnotatorService service) => Handle(http, async ct =>
        {
            var body = await ReadAsync<SetupRequest>(http, ct);
            var config = LabelConfig.Parse(body.Schema);
            return Results.Json(new { model_version = await service.ModelVersionAsync(ct), labels = config.Labels }, LsJson.Options);
        }));
        group.MapPost("/predict", (HttpContext http, AnnotatorService service) => Handle(http, async ct =>
        {
            var body = await ReadAsync<PredictRequest>(http, ct);
            var predictions = await service.PredictAsync(body, ct);
            return Results.Json(new { results = predictions }, LsJson.Options);
        }));
        group.MapPost("/webhook", (HttpContext http, CancellationToken _) => Handle(http, async ct =>
        {
            using var body = await ReadAsync<JsonDocument>(http, ct);
            if (body.RootElement.ValueKind != JsonValueKind.Object || !body.RootElement.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
                throw new AnnotatorRequestException(400, "A webhook body is an object with \"action\".");
            return TrainEvents.Contains(action.GetString())
                ? Results.Json(new { result = (object?)null, status = "ok" }, statusCode: 201)
                : Results.Json(new { status = "Unknown event" });
        }));
        group.MapPost("/cvat/interactor", (HttpContext http, AnnotatorService service) => Handle(http, async ct =>
        {
            var body = await ReadAsync<CvatInteractorRequest>(http, ct);
            var (mask, points) = await service.InteractAsync(body, ct);
            return Results.Json(new { mask, points });
        }));
        return group;
    }

    private static async Task<IResult> Handle(HttpContext http, Func<CancellationToken, Task<IResult>> work)
    {
        try
        {
            return await work(http.RequestAborted);
        }
        catch (AnnotatorRequestException e)
        {
            return Error(e.Status, e.Message);
        }
        catch (FormatException e)
        {
            return Error(400, e.Message);
        }
        catch (Backends.BadPromptException e)
        {
            return Error(400, e.Message);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext http, CancellationToken cancellationToken)
    {
        var limit = http.RequestServices.GetRequiredService<IOptions<AnnotatorsOptions>>().Value.MaxBodyBytes;
        if (http.Request.ContentLength > limit)
            throw new AnnotatorRequestException(413, $"The body is {http.Request.ContentLength} bytes; at most {limit} are read (Annotators:MaxBodyBytes).");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, LsJson.Options, cancellationToken)
                ?? throw new AnnotatorRequestException(400, "The body is the JSON literal null.");
        }
        catch (JsonException e)
        {
            throw new AnnotatorRequestException(400, $"The body is not the JSON this endpoint takes: {e.Message}");
        }
        catch (BadHttpRequestException e)
        {
            throw new AnnotatorRequestException(e.StatusCode, e.StatusCode == 413 ? $"The body is over {limit} bytes (Annotators:MaxBodyBytes)." : e.Message);
        }
    }

    private static bool Authorized(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<AnnotatorsOptions>>().Value;
        var password = options.Password();
        if (string.IsNullOrEmpty(options.BasicAuthUser) || password is null)
            return true;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        byte[] given;
        try
        {
            given = Convert.FromBase64String(header[6..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = Encoding.UTF8.GetBytes($"{options.BasicAuthUser}:{password}");
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static IResult Error(int status, string message)
    {
        var result = Results.Json(new { error = message }, statusCode: status);
        return status == 401 ? new WithHeader(result, "WWW-Authenticate", "Basic realm=\"Login required\"") : result;
    }

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
