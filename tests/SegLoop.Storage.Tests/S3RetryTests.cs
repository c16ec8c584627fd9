using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SegLoop.Storage.S3;

namespace SegLoop.Storage.Tests;

/// <summary>The S3 store against a scripted HTTP server on 127.0.0.1: which answers it retries, and which it does not.</summary>
public sealed class S3RetryTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(int Status, string? ErrorCode)> _script = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly byte[] _body = S3BlobStoreIntegrationTests.RandomBytes(4096, 9);
    private WebApplication? _server;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Run(async context =>
        {
            _requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            var (status, code) = _script.TryDequeue(out var next) ? next : (200, null);
            context.Response.StatusCode = status;
            context.Response.Headers["x-amz-request-id"] = "test";
            if (status == 200)
            {
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = _body.Length;
                // The SDK checks a single-part object's body against its ETag (the body's MD5).
                context.Response.Headers.ETag = $"\"{Convert.ToHexStringLower(MD5.HashData(_body))}\"";
                await context.Response.Body.WriteAsync(_body);
                return;
            }
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(
                $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>scripted {status}</Message><RequestId>test</RequestId></Error>");
        });
        await _server.StartAsync();
        _url = _server.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Fact]
    public async Task OpenReadAsync_TwoServiceUnavailable_RetriesAndReturnsBytes()
    {
        _script.Enqueue((503, "SlowDown"));
        _script.Enqueue((503, "ServiceUnavailable"));
        var retries = 0;

        var bytes = await Store(onRetry: () => retries++).GetBytesAsync("a/b.bin");

        Assert.Equal(_body, bytes);
        Assert.Equal(2, retries);
        Assert.Equal(3, _requests.Count);
        Assert.All(_requests, r => Assert.Equal("GET /bucket/a/b.bin", r));
    }

    [Theory]
    [InlineData(500, "InternalError")]
    [InlineData(429, "TooManyRequests")]
    [InlineData(400, "RequestTimeout")]
    public async Task OpenReadAsync_TransientOnce_Retried(int status, string code)
    {
        _script.Enqueue((status, code));

        Assert.Equal(_body, await Store().GetBytesAsync("k"));
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task OpenReadAsync_NoSuchKey_NotRetriedAndThrowsBlobNotFound()
    {
        _script.Enqueue((404, "NoSuchKey"));

        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store().OpenReadAsync("gone/key"));

        Assert.Equal("gone/key", error.Key);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task OpenReadAsync_AccessDenied_NotRetried()
    {
        _script.Enqueue((403, "AccessDenied"));

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => Store().OpenReadAsync("secret"));

        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task PutAsync_AlwaysInternalError_GivesUpAfterMaxRetries()
    {
        for (var i = 0; i < 10; i++)
            _script.Enqueue((500, "InternalError"));

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => Store(maxRetries: 2).PutBytesAsync("k", "x"u8.ToArray()));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(3, _requests.Count);
        Assert.All(_requests, r => Assert.Equal("PUT /bucket/k", r));
    }

    [Fact]
    public async Task OpenReadAsync_ConnectionRefused_RetriedAsNetworkError()
    {
        var retries = 0;
        var options = Options(ClosedPortUrl(), maxRetries: 2);
        var store = new S3BlobStore(S3ClientFactory.Create(options), options,
            S3RetryPipeline.Create(options, TimeProvider.System, _ => retries++));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => store.OpenReadAsync("k"));

        Assert.True(S3RetryPipeline.IsTransient(error), error.ToString());
        Assert.Equal(2, retries);
    }

    public static TheoryData<Exception, bool> Classified => new()
    {
        { ServiceError(HttpStatusCode.ServiceUnavailable, "SlowDown"), true },
        { ServiceError(HttpStatusCode.InternalServerError, "InternalError"), true },
        { ServiceError(HttpStatusCode.BadGateway, null), true },
        { ServiceError(HttpStatusCode.TooManyRequests, null), true },
        { ServiceError(HttpStatusCode.BadRequest, "RequestTimeout"), true },
        { ServiceError(HttpStatusCode.BadRequest, "Throttling"), true },
        { ServiceError(HttpStatusCode.NotFound, "NoSuchKey"), false },
        { ServiceError(HttpStatusCode.NotFound, "NoSuchBucket"), false },
        { ServiceError(HttpStatusCode.Forbidden, "AccessDenied"), false },
        { ServiceError(HttpStatusCode.BadRequest, "InvalidArgument"), false },
        { ServiceError(HttpStatusCode.Conflict, "BucketAlreadyExists"), false },
        { new HttpRequestException("connection reset"), true },
        { new IOException("broken pipe"), true },
        { new SocketException((int)SocketError.ConnectionRefused), true },
        { new TimeoutException(), true },
        { new TaskCanceledException("HttpClient.Timeout", new TimeoutException()), true },
        { new AmazonClientException("wrapped", new HttpRequestException("reset")), true },
        { new BlobNotFoundException("k"), false },
        { new InvalidBlobKeyException("../x", "traversal"), false },
        { new InvalidOperationException("bug"), false },
        { new AmazonClientException("no credentials"), false },
    };

    [Theory]
    [MemberData(nameof(Classified))]
    public void IsTransient_Exception_ClassifiedAsExpected(Exception exception, bool transient) =>
        Assert.Equal(transient, S3RetryPipeline.IsTransient(exception));

    [Fact]
    public async Task Pipeline_CallerCancelled_NotRetried()
    {
        using var cancel = new CancellationTokenSource();
        var attempts = 0;
        var pipeline = S3RetryPipeline.Create(new S3StorageOptions { Bucket = "b", RetryBaseDelay = TimeSpan.Zero }, TimeProvider.System);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            cancel.Cancel();
            throw new TaskCanceledException();
        }, cancel.Token).AsTask());

        Assert.Equal(1, attempts);
    }

    private S3BlobStore Store(int maxRetries = 4, Action? onRetry = null)
    {
        var options = Options(_url, maxRetries);
        return new S3BlobStore(S3ClientFactory.Create(options), options,
            S3RetryPipeline.Create(options, TimeProvider.System, _ => onRetry?.Invoke()));
    }

    private static S3StorageOptions Options(string url, int maxRetries) => new()
    {
        Bucket = "bucket",
        ServiceUrl = url,
        ForcePathStyle = true,
        AccessKey = "a",
        SecretKey = "b",
        MaxRetryAttempts = maxRetries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
    };

    private static AmazonS3Exception ServiceError(HttpStatusCode status, string? code) =>
        new($"scripted {(int)status}", ErrorType.Sender, code, "test", status);

    private static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
