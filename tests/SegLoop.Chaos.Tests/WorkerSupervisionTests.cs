using System.Diagnostics;
using SegLoop.Hosting;
using SegLoop.Testing;
using Xunit.Abstractions;

namespace SegLoop.Chaos.Tests;

/// <summary>
/// A real worker process whose bus cannot start while the broker answers: its consumer watchdog must end it with exit
/// code 75 within a bounded time (its supervisor then starts a fresh one), not leave it up, unready and idle, forever.
/// The way the shutdown goes matters as much as the detection: the bus's start is still pending when the host stops.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class WorkerSupervisionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_BusNeverReadyWhileTheBrokerAnswers_ExitsWith75ForItsSupervisor()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var logs = RepoPaths.Path(".out", "supervision", vhost.Name);
        Directory.CreateDirectory(logs);
        // CropBuilder's input queue, declared classic where the worker declares a quorum queue: RabbitMQ refuses the
        // worker's declaration (406 PRECONDITION_FAILED) every time it tries, so its bus never finishes starting.
        await vhost.DeclareClassicQueueAsync("annotation-normalized");
        // The bus settings as a deployment passes them, in the environment (Bus__RabbitMq__Host ...).
        var settings = vhost.BusSettings().ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!, StringComparer.Ordinal);
        settings["DOTNET_ENVIRONMENT"] = "Production";
        settings["Logging__Console__FormatterName"] = "simple";
        settings["Bus__Watchdog__Interval"] = "00:00:01";
        settings["Bus__Watchdog__StallAfter"] = "00:00:05";
        settings["Storage__Kind"] = "Local";
        settings["Storage__Local__Root"] = Path.Combine(logs, "store");
        await using var worker = new WorkerProcess("CropBuilder", settings, logs);

        var clock = Stopwatch.StartNew();
        worker.Launch();
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine($"supervision: exited with {exitCode} after {clock.Elapsed.TotalSeconds:F1} s (watchdog: 1 s interval, 5 s stall)");
        output.WriteLine(worker.Tail(8));

        // It ends, by its watchdog, within the two minutes' patience; how fast is printed above, not asserted (speed
        // belongs in bench/): detection takes 5 s plus one interval, then a shutdown with the bus's start still pending.
        Assert.Equal(ExitOnConsumerStall.ExitCode, exitCode);
        Assert.Contains("the bus has not been ready for", worker.Tail(int.MaxValue), StringComparison.Ordinal);
    }
}
