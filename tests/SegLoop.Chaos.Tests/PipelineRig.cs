using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Contracts;
using SegLoop.Hosting;
using SegLoop.Storage;
using SegLoop.Testing;

namespace SegLoop.Chaos.Tests;

/// <summary>
/// A pipeline of its own on the rig: a fresh RabbitMQ virtual host with a user and a random password, a fresh S3
/// bucket reached with a random secret key, a random webhook secret, and each service worker as its own process.
/// The test process has a bus of its own in the same virtual host (to publish, and to collect outcomes on a durable
/// <c>chaos-observer</c> queue) and a blob store on the same bucket.
/// </summary>
public sealed class PipelineRig : IAsyncDisposable
{
    public static readonly string[] Services = ["Ingest", "Taxonomy", "CropBuilder", "Inference"];

    private readonly RabbitAdmin _admin = new();
    private IHost? _host;

    private PipelineRig(string id)
    {
        Id = id;
        VirtualHost = "segloop-" + id;
        RabbitUser = "segloop-" + id;
        RabbitPassword = "rmq-" + Secret();
        Bucket = "segloop-" + id;
        S3AccessKey = "AK" + Secret()[..16].ToUpperInvariant();
        S3SecretKey = "s3-" + Secret();
        WebhookSecret = "wh-" + Secret();
        LogDirectory = Path.Combine(RepoPaths.Root, ".out", "chaos", id);
        Directory.CreateDirectory(LogDirectory);
    }

    public string Id { get; }
    public string VirtualHost { get; }
    public string RabbitUser { get; }
    public string RabbitPassword { get; }
    public string Bucket { get; }
    public string S3AccessKey { get; }
    public string S3SecretKey { get; }
    public string WebhookSecret { get; }
    public string LogDirectory { get; }
    public RabbitAdmin Admin => _admin;
    public Dictionary<string, WorkerProcess> Workers { get; } = new(StringComparer.Ordinal);
    public ObservedOutcomes Observed { get; } = new();

    public IBus Bus => _host!.Services.GetRequiredService<IBus>();

    public IBlobStore Store => _host!.Services.GetRequiredService<IBlobStore>();

    /// <summary>The secrets a log line must never hold.</summary>
    public IReadOnlyList<string> Secrets => [RabbitPassword, S3SecretKey, WebhookSecret];

    public static async Task<PipelineRig> StartAsync(IReadOnlyDictionary<string, string>? extraWorkerSettings = null, string logLevel = "Information")
    {
        var rig = new PipelineRig(Guid.NewGuid().ToString("N")[..10]);
        await rig._admin.CreateVirtualHostWithUserAsync(rig.VirtualHost, rig.RabbitUser, rig.RabbitPassword);
        var settings = rig.Settings();
        foreach (var (k, v) in extraWorkerSettings ?? new Dictionary<string, string>())
            settings[k] = v;
        settings["Logging__LogLevel__Default"] = logLevel;
        settings["Logging__LogLevel__MassTransit"] = logLevel;

        // The test process first: its observer queue must exist before any outcome is published.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value));
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["Logging:LogLevel:MassTransit"] = "Error";
        builder.AddSegLoopDefaults("chaos-test");
        builder.Services.AddBlobStore(builder.Configuration);
        builder.Services.AddSingleton(rig.Observed);
        builder.AddSegLoopBus(bus => bus.AddConsumer<ChaosObserver>().Endpoint(e => e.Name = "chaos-observer"));
        rig._host = builder.Build();
        await rig._host.StartAsync();
        await rig.Store.PutBytesAsync("chaos/created.txt", "x"u8.ToArray());

        // All workers start at once: each start is mostly waiting (JIT, the bus connecting), so in parallel it is one wait.
        foreach (var name in Services)
            rig.Workers[name] = new WorkerProcess(name, settings, rig.LogDirectory);
        await Task.WhenAll(rig.Workers.Values.Select(w => w.StartAsync(TimeSpan.FromMinutes(3))));
        return rig;
    }

    private Dictionary<string, string> Settings()
    {
        var amqp = Rig.RabbitMqUri;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Bus__Transport"] = "RabbitMq",
            ["Bus__PrefetchCount"] = "8",
            ["Bus__RabbitMq__Host"] = amqp.Host,
            ["Bus__RabbitMq__Port"] = amqp.Port.ToString(CultureInfo.InvariantCulture),
            ["Bus__RabbitMq__VirtualHost"] = VirtualHost,
            ["Bus__RabbitMq__Username"] = RabbitUser,
            ["Bus__RabbitMq__Password"] = RabbitPassword,
            ["Storage__Kind"] = "S3",
            ["Storage__S3__Bucket"] = Bucket,
            ["Storage__S3__ServiceUrl"] = Rig.S3Endpoint.ToString(),
            ["Storage__S3__ForcePathStyle"] = "true",
            ["Storage__S3__AccessKey"] = S3AccessKey,
            ["Storage__S3__SecretKey"] = S3SecretKey,
            ["Storage__S3__CreateBucketIfMissing"] = "true",
            ["Ingest__Webhook__Secret"] = WebhookSecret,
            ["Logging__Console__FormatterName"] = "simple",
            // The consumer watchdog, sooner than its 5-minute default so that a stalled endpoint is replaced well inside
            // the test's patience; still far above the longest pause the chaos makes on purpose (the 20 s S3 outage; a
            // broker restart counts as unreachable, not as a stall).
            ["Bus__Watchdog__Interval"] = "00:00:10",
            ["Bus__Watchdog__StallAfter"] = "00:01:30",
        };
    }

    /// <summary>Every line of every worker log that holds one of <see cref="Secrets"/>.</summary>
    public IReadOnlyList<string> LogLinesWithSecrets()
    {
        var hits = new List<string>();
        foreach (var file in Directory.EnumerateFiles(LogDirectory, "*.log"))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (Secrets.Any(s => line.Contains(s, StringComparison.Ordinal)))
                    hits.Add($"{Path.GetFileName(file)}: {line}");
            }
        }
        return hits;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in Workers.Values)
            await worker.DisposeAsync();
        if (_host is not null)
        {
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await _host.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // The bus gave up waiting; the virtual host goes next anyway.
            }
            _host.Dispose();
        }
        await _admin.DeleteVirtualHostAndUserAsync(VirtualHost, RabbitUser);
        _admin.Dispose();
    }

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}

/// <summary>Outcomes the observer collected, by task or request id, with how often each arrived.</summary>
public sealed class ObservedOutcomes
{
    public ConcurrentDictionary<string, int> Normalized { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, AnnotationRejected> Rejected { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> RejectedCounts { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> Deliveries { get; } = new(StringComparer.Ordinal);

    /// <summary>Task id -> how often CropsEmitted arrived for it.</summary>
    public ConcurrentDictionary<string, int> Cropped { get; } = new(StringComparer.Ordinal);

    /// <summary>Task id -> the crop keys its (last) CropsEmitted named.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<string>> CropKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Request id -> every answer that arrived ("completed" or "failed:code").</summary>
    public ConcurrentDictionary<string, ConcurrentBag<string>> Answers { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, string> Reasons { get; } = new(StringComparer.Ordinal);

    public void Answer(string requestId, string outcome) => Answers.GetOrAdd(requestId, _ => []).Add(outcome);
}

/// <summary>Collects the pipeline's outcomes on its own durable queue (it survives broker restarts like the services' queues).</summary>
public sealed class ChaosObserver(ObservedOutcomes observed)
    : IConsumer<AnnotationNormalized>, IConsumer<AnnotationRejected>, IConsumer<CropsEmitted>, IConsumer<PreAnnotationCompleted>, IConsumer<PreAnnotationFailed>
{
    public Task Consume(ConsumeContext<CropsEmitted> context)
    {
        observed.CropKeys[context.Message.TaskId] = context.Message.CropKeys;
        observed.Cropped.AddOrUpdate(context.Message.TaskId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<PreAnnotationCompleted> context)
    {
        observed.Answer(context.Message.RequestId, "completed");
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<PreAnnotationFailed> context)
    {
        observed.Reasons[context.Message.RequestId] = context.Message.Reason;
        observed.Answer(context.Message.RequestId, "failed:" + context.Message.Code);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<AnnotationNormalized> context)
    {
        observed.Normalized.AddOrUpdate(context.Message.TaskId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<AnnotationRejected> context)
    {
        observed.Rejected[context.Message.TaskId] = context.Message;
        observed.RejectedCounts.AddOrUpdate(context.Message.TaskId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}
