using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

/// <summary>The downloader against a real Kestrel server on 127.0.0.1.</summary>
public sealed class ModelDownloaderTests : IAsyncLifetime
{
    private static readonly byte[] ModelBytes = OnnxTestModels.SaliencyNet(hiddenChannels: 2).Onnx;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"segloop-download-{Guid.NewGuid():N}");
    private WebApplication? _server;
    private Uri _baseUri = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/model.onnx", () => Results.Bytes(ModelBytes, "application/octet-stream"));
        _server.MapGet("/missing.onnx", () => Results.NotFound());
        await _server.StartAsync();
        _baseUri = new Uri(_server.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task DownloadAsync_ChecksumMatches_WritesFileThatLoads()
    {
        var source = new ModelSource("test", new Uri(_baseUri, "/model.onnx"), Sha256(ModelBytes), ModelBytes.Length);
        var destination = Path.Combine(_directory, "models", "test.onnx");

        var path = await NewDownloader().DownloadAsync(source, destination);

        Assert.Equal(destination, path);
        Assert.Equal(ModelBytes, await File.ReadAllBytesAsync(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(destination)!));
        using var model = OnnxModel.FromFile(path);
        Assert.Equal("input", model.Inputs[0].Name);
    }

    [Fact]
    public async Task DownloadAsync_ChecksumMismatch_ThrowsAndLeavesNoFile()
    {
        var wrong = new string('0', 64);
        var source = new ModelSource("test", new Uri(_baseUri, "/model.onnx"), wrong);
        var destination = Path.Combine(_directory, "test.onnx");

        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() => NewDownloader().DownloadAsync(source, destination));

        Assert.Contains("checksum mismatch", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256(ModelBytes), ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task DownloadAsync_NotFound_ThrowsNamingStatus()
    {
        var source = new ModelSource("test", new Uri(_baseUri, "/missing.onnx"), Sha256(ModelBytes));

        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            NewDownloader().DownloadAsync(source, Path.Combine(_directory, "test.onnx")));

        Assert.Contains("HTTP 404", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task DownloadAsync_NothingListening_ThrowsNetworkError()
    {
        var source = new ModelSource("test", new Uri($"http://127.0.0.1:{ClosedPort()}/model.onnx"), Sha256(ModelBytes));

        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            NewDownloader().DownloadAsync(source, Path.Combine(_directory, "test.onnx")));

        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Contains("Check the network", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void U2NetP_KnownSource_IsRembgReleaseAsset()
    {
        Assert.Equal("https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx", KnownModels.U2NetP.Url.ToString());
        Assert.Equal(64, KnownModels.U2NetP.Sha256.Length);
    }

    private static ModelDownloader NewDownloader() => new(new HttpClient(), NullLogger<ModelDownloader>.Instance);

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
