using System.CommandLine;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SegLoop.Hosting;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop run</c>: every service in this one process, on the in-memory bus and a local folder store,
/// so the loop works with no server installed. <c>--once</c> feeds it a demo task and exits when idle.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Folder of the local blob store (images/, annotations/, crops/, datasets/, models/).",
            DefaultValueFactory = _ => new DirectoryInfo("segloop-data"),
        };
        var once = new Option<bool>("--once")
        {
            Description = "Publish a demo task it makes itself, wait until the loop is idle, then exit.",
        };
        var idle = new Option<TimeSpan>("--idle")
        {
            Description = "With --once: how long the bus must stay quiet to count as idle.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(2),
        };
        var command = new Command("run", "Run the whole loop in one process (in-memory bus, local folder store).") { data, once, idle };
        // Ctrl-C or SIGTERM ends it within seconds with 130/143, whatever the loop is doing (a model loading, a
        // consumer working, --once waiting for the loop to go idle).
        command.SetAction((parse, cancellationToken) => Termination.RunAsync("run", termination =>
            RunAsync(parse.GetValue(data)!, parse.GetValue(once), parse.GetValue(idle), termination.Token, termination.Track), cancellationToken));
        return command;
    }

    /// <param name="track">Called with the host once it is built (the verb's <see cref="Termination"/> stops it after a signal).</param>
    public static async Task<int> RunAsync(DirectoryInfo data, bool once, TimeSpan idle, CancellationToken cancellationToken, Func<IHost, IHost>? track = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var host = BuildHost(data.FullName);
        track?.Invoke(host);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SegLoop.Cli.Run");
        // Before the services start: Inference decides once which model a request that names none gets.
        var model = await PreAnnotationModel.EnsureAsync(host.Services.GetRequiredService<IBlobStore>(),
            Environment.GetEnvironmentVariable(PreAnnotationModel.CacheVariable), cancellationToken);
        await host.StartAsync(cancellationToken);
        var bus = host.Services.GetRequiredService<IBusControl>();
        await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)).WaitAsync(cancellationToken);
        CliLog.Started(logger, data.FullName,
            EmbeddedServices.Names.Count == 0 ? "none yet (the bus runs with no consumers)" : string.Join(", ", EmbeddedServices.Names));
        CliLog.PreAnnotationModel(logger, model);

        var exitCode = 0;
        if (once)
        {
            var task = await DemoInput.WriteAsync(host.Services.GetRequiredService<IBlobStore>(), cancellationToken);
            CliLog.DemoWritten(logger, task.ImageKey, task.AnnotationKey);
            var publish = host.Services.GetRequiredService<IPublishEndpoint>();
            await publish.Publish(task, cancellationToken);
            await publish.Publish(DemoInput.PreAnnotation(), cancellationToken);
            var traffic = host.Services.GetRequiredService<BusTraffic>();
            var quiet = await traffic.WaitUntilIdleAsync(idle, TimeSpan.FromMinutes(5), cancellationToken);
            CliLog.Idle(logger, traffic.Published, traffic.Consumed, traffic.Faulted);
            exitCode = quiet ? (traffic.Faulted == 0 ? 0 : 1) : 2;
        }
        else
        {
            await host.WaitForShutdownAsync(cancellationToken);
        }

        await host.StopAsync(CancellationToken.None);
        return exitCode;
    }

    private static IHost BuildHost(string dataRoot) =>
        CliHost.Build(new CliHostSettings("segloop", dataRoot) { ForceEmbedded = true, ObserveTraffic = true, SegLoopLogLevel = "Information" }, out _);
}
