using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SegLoop.Testing;

namespace SegLoop.Cli.Tests;

public sealed class TerminationTests
{
    [Fact]
    public async Task IngestCoco_BrokerUnreachableThenSigterm_ExitsWithin10SecondsWith143AndOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("segloop-sigterm-");
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                WorkingDirectory = dir.FullName,
            };
            foreach (var arg in new[]
                     {
                         Path.Combine(AppContext.BaseDirectory, "segloop.dll"), "ingest", "coco",
                         "--annotations", SharedData.CocoMiniAnnotations, "--images", SharedData.Path("coco-mini", "train2017"),
                         "--customer", "acme", "--project", "p", "--domain", "street", "--data", Path.Combine(dir.FullName, "data"),
                     })
                start.ArgumentList.Add(arg);
            start.Environment["Bus__Transport"] = "RabbitMq";
            start.Environment["Bus__RabbitMq__Host"] = "127.0.0.1";
            start.Environment["Bus__RabbitMq__Port"] = ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture);

            using var process = Process.Start(start)!;
            using var reap = new ProcessReaper(process);
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            // (A message with "await stderr" in it would wait for the process to end before the assertion.)
            Assert.False(process.HasExited, "exited before the signal");

            var signalled = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"still running 10 s after SIGTERM; stderr: {(await stderr)[^Math.Min(500, (await stderr).Length)..]}");
            }

            Assert.Equal(143, process.ExitCode);
            Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(10), $"{signalled.Elapsed}");
            var lines = (await stderr).Split('\n').Where(l => l.Contains("stopped by", StringComparison.Ordinal)).ToList();
            Assert.Equal("segloop ingest coco: stopped by SIGTERM after 0 tasks; the tasks published so far stay, the rest were not sent.", Assert.Single(lines).Trim());
            _ = await stdout;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A loopback port nothing listens on: bound, read, and released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Kills the CLI if the test ends with it still running (a failed assertion must not leave it retrying).</summary>
    private sealed class ProcessReaper(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }
}
