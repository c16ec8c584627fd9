using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Hosting;
using SegLoop.Ingest;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop run</c>: every service in this one process, on the in-memory bus and a local folder store, so the loop
/// works with no server installed. It serves the Ingest webhook and the pre-annotation API on a loopback port and
/// watches an inbox folder (<see cref="Inbox"/>), and says where at start. <c>--once</c> feeds it a demo task in a store
/// of its own (default <c>segloop-demo</c>), waits until the loop is idle and ends with what it produced and where.
/// </summary>
public static class RunCommand
{
    public const string DefaultData = "segloop-data";
    public const string DefaultDemoData = "segloop-demo";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data")
        {
            Description = $"Folder of the local blob store (images/, annotations/, crops/, datasets/, models/); default {DefaultData}, "
                          + $"or {DefaultDemoData} with --once so the demo never mixes with real data.",
        }.DataFolder();
        var once = new Option<bool>("--once")
        {
            Description = "Publish a demo task it makes itself, wait until the loop is idle, print what it produced, then exit.",
        };
        var idle = CliInput.Duration("--idle", "With --once: how long the bus must stay quiet to count as idle.", TimeSpan.FromSeconds(2));
        var port = new Option<int>("--port")
        {
            Description = "Loopback port of the webhook and the pre-annotation API (0: any free port).",
            DefaultValueFactory = _ => 5080,
        }.AtLeast(0);
        port.Validators.Add(r =>
        {
            if (CliInput.TryValue<int>(r, out var n) && n > 65535)
                r.AddError($"--port {n} must be at most 65535.");
        });
        var inbox = new Option<DirectoryInfo>("--inbox")
        {
            Description = "Folder watched for input: a subfolder with a COCO json and its images is ingested; a loose image is pre-labelled.",
            DefaultValueFactory = _ => new DirectoryInfo("segloop-inbox"),
        }.DataFolder();
        var customer = new Option<string>("--customer") { Description = "Customer of what the inbox ingests.", DefaultValueFactory = _ => "local" };
        var project = new Option<string>("--project") { Description = "Project of what the inbox ingests.", DefaultValueFactory = _ => "inbox" };
        var domain = new Option<string>("--domain") { Description = "Domain of what the inbox ingests.", DefaultValueFactory = _ => "inbox" };
        var command = new Command("run",
            "Run the whole loop in one process (in-memory bus, local folder store): serves the webhook and the pre-annotation API on a loopback port "
            + "and watches an inbox folder; --once runs a demo and exits.")
            { data, once, idle, port, inbox, customer, project, domain };
        // Ctrl-C or SIGTERM ends it within seconds with 130/143, whatever the loop is doing (a model loading, a consumer
        // working, --once waiting for the loop to go idle).
        command.SetAction((parse, cancellationToken) => Termination.RunAsync("run", termination =>
        {
            var isOnce = parse.GetValue(once);
            var store = parse.GetValue(data) ?? new DirectoryInfo(isOnce ? DefaultDemoData : DefaultData);
            return isOnce
                ? OnceAsync(store, parse.GetValue(idle), parse.IsJson(), Console.Out, termination.Token, termination.Track)
                : ServeAsync(new ServeSettings(store.FullName, parse.GetValue(port), parse.GetValue(inbox)!.FullName,
                    new Importers.ImportTarget(parse.GetValue(customer)!, parse.GetValue(project)!, parse.GetValue(domain)!), parse.IsJson()),
                    termination.Token, termination.Track);
        }, cancellationToken));
        return command;
    }

    /// <summary>What <c>run</c> without <c>--once</c> serves.</summary>
    public sealed record ServeSettings(string DataRoot, int Port, string InboxRoot, Importers.ImportTarget Target, bool Json);

    /// <summary>Kept for callers of the old signature: <c>--once</c> runs the demo, otherwise the loop is served on port 5080.</summary>
    public static Task<int> RunAsync(DirectoryInfo data, bool once, TimeSpan idle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        return once
            ? OnceAsync(data, idle, json: false, Console.Out, cancellationToken)
            : ServeAsync(new ServeSettings(data.FullName, 5080, Path.GetFullPath("segloop-inbox"), new Importers.ImportTarget("local", "inbox", "inbox"), false),
                cancellationToken);
    }

    /// <param name="track">Called with the host once it is built (the verb's <see cref="Termination"/> stops it after a signal).</param>
    public static async Task<int> OnceAsync(DirectoryInfo data, TimeSpan idle, bool json, TextWriter stdout, CancellationToken cancellationToken,
        Func<IHost, IHost>? track = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(stdout);
        using var host = CliHost.Build(new CliHostSettings("segloop", data.FullName) { ForceEmbedded = true, ObserveTraffic = true }, out _);
        track?.Invoke(host);
        var store = host.Services.GetRequiredService<IBlobStore>();
        var model = await PreAnnotationModel.EnsureAsync(store, Environment.GetEnvironmentVariable(PreAnnotationModel.CacheVariable), cancellationToken);
        await host.StartAsync(cancellationToken);
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)).WaitAsync(cancellationToken);
            if (!json)
                await Console.Error.WriteLineAsync($"segloop run --once: demo task into {data.FullName}; pre-annotation model: {model}");
            var task = await DemoInput.WriteAsync(store, cancellationToken);
            var publish = host.Services.GetRequiredService<IPublishEndpoint>();
            await publish.Publish(task, cancellationToken);
            await publish.Publish(DemoInput.PreAnnotation(), cancellationToken);
            var traffic = host.Services.GetRequiredService<BusTraffic>();
            var quiet = await traffic.WaitUntilIdleAsync(idle, TimeSpan.FromMinutes(5), cancellationToken);
            var produced = await RunSummary.CollectAsync(store, data.FullName, cancellationToken);
            var exitCode = quiet ? (traffic.Faulted == 0 ? 0 : 1) : 2;
            if (json)
            {
                CliOutput.WriteJson(new
                {
                    store = data.FullName, model, idle = quiet, published = traffic.Published, consumed = traffic.Consumed, faulted = traffic.Faulted,
                    produced = produced.Select(p => new { what = p.What, count = p.Count, example = p.Example }),
                }, stdout);
            }
            else
            {
                RunSummary.Print(stdout, data.FullName, produced);
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"bus: {traffic.Published} published, {traffic.Consumed} consumed, {traffic.Faulted} faulted{(quiet ? "" : "; the loop was still busy after 5 minutes")}"));
            }
            return exitCode;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <param name="track">Called with the host once it is built (the verb's <see cref="Termination"/> stops it after a signal).</param>
    public static async Task<int> ServeAsync(ServeSettings settings, CancellationToken cancellationToken, Func<IHost, IHost>? track = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        CliHost.Configure(builder, new CliHostSettings("segloop", settings.DataRoot) { ForceEmbedded = true, ObserveTraffic = true }, out _);
        // The webhook is never served unguarded: a secret for this run unless the environment gives one.
        var secret = builder.Configuration["Ingest:Webhook:Secret"];
        var generated = string.IsNullOrEmpty(secret) && string.IsNullOrEmpty(builder.Configuration["Ingest:Webhook:SecretFile"]);
        if (generated)
        {
            secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            builder.Configuration["Ingest:Webhook:Secret"] = secret;
        }
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{settings.Port}"));
        builder.Services.AddSingleton(sp => new Inbox(settings.InboxRoot, settings.Target, sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IngestProcessor>(), sp.GetRequiredService<IPublishEndpoint>(), Console.Out));
        await using var app = builder.Build();
        track?.Invoke(app);
        app.MapSegLoopDefaults();
        app.MapIngestWebhook();
        app.MapPreAnnotationApi();

        var store = app.Services.GetRequiredService<IBlobStore>();
        var model = await PreAnnotationModel.EnsureAsync(store, Environment.GetEnvironmentVariable(PreAnnotationModel.CacheVariable), cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new CliInputException($"--port {settings.Port}: cannot listen on 127.0.0.1 ({CliInput.Clean(e.Message)}); give another --port (0 picks a free one).", e);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)).WaitAsync(cancellationToken);
        var inbox = app.Services.GetRequiredService<Inbox>();
        Directory.CreateDirectory(settings.InboxRoot);
        var startup = new
        {
            store = settings.DataRoot,
            services = EmbeddedServices.Names,
            preAnnotationModel = model,
            webhook = $"{address}{SegLoop.Ingest.Webhook.WebhookHandler.Route}",
            webhookSecretHeader = SegLoop.Ingest.Webhook.WebhookHandler.SecretHeader,
            webhookSecret = generated ? secret : "(from Ingest__Webhook__Secret)",
            preAnnotationApi = $"{address}{LocalApi.Route}",
            health = $"{address}/healthz/ready",
            inbox = settings.InboxRoot,
        };
        if (settings.Json)
        {
            CliOutput.WriteJson(startup);
        }
        else
        {
            Console.WriteLine($"segloop run: the loop is up ({string.Join(", ", EmbeddedServices.Names)}), store {settings.DataRoot}");
            Console.WriteLine($"  pre-annotation model: {model}");
            Console.WriteLine($"  webhook:              POST {startup.webhook}  (header {startup.webhookSecretHeader}: {startup.webhookSecret})");
            Console.WriteLine($"  pre-annotation API:   PUT {address}{LocalApi.ImagesRoute}/NAME (image bytes), POST {startup.preAnnotationApi}, GET {startup.preAnnotationApi}/ID");
            Console.WriteLine($"  inbox:                {settings.InboxRoot}  (a subfolder with a COCO json and its images is ingested; a loose image is pre-labelled; "
                              + "handled files move to done/)");
            Console.WriteLine("  Ctrl-C stops.");
        }
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        try
        {
            await inbox.WatchAsync(TimeSpan.FromSeconds(1), stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: stop below.
        }
        await app.StopAsync(CancellationToken.None);
        return 0;
    }
}
