using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace SegLoop.Hosting.Tests;

public sealed record Chore(int N);

/// <summary>Holds every delivery until the test opens the gate, or takes a fixed time per delivery.</summary>
public sealed class ChoreGate
{
    public SemaphoreSlim Open { get; } = new(0);
    public TimeSpan? Each { get; set; }
    public int Done;
}

public sealed class ChoreConsumer(ChoreGate gate) : IConsumer<Chore>
{
    public async Task Consume(ConsumeContext<Chore> context)
    {
        if (gate.Each is { } each)
            await Task.Delay(each);
        else
            await gate.Open.WaitAsync();
        Interlocked.Increment(ref gate.Done);
    }
}

public sealed class RecordingStallHandler : IConsumerStallHandler
{
    public TaskCompletionSource<ConsumerStall> Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task OnStalledAsync(ConsumerStall stall, CancellationToken cancellationToken)
    {
        Stalled.TrySetResult(stall);
        return Task.CompletedTask;
    }
}

/// <summary>The consumer watchdog against the rig's real RabbitMQ: a wedged endpoint is found, a slow one is not.</summary>
public sealed class ConsumerWatchdogRabbitMqTests
{
    private static IHost BuildHost(RabbitMqVirtualHost vhost, ChoreGate gate, RecordingStallHandler handler)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(vhost.BusSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:PrefetchCount"] = "2",
            ["Bus:Watchdog:Interval"] = "00:00:00.250",
            ["Bus:Watchdog:StallAfter"] = "00:00:02",
        });
        builder.AddSegLoopDefaults("watchdog-tests");
        builder.Services.AddSingleton(gate);
        builder.Services.Replace(ServiceDescriptor.Singleton<IConsumerStallHandler>(handler));
        builder.AddSegLoopBus(bus => bus.AddConsumer<ChoreConsumer>());
        return builder.Build();
    }

    private static async Task StartAsync(IHost host)
    {
        await host.StartAsync();
        Assert.Equal(BusHealthStatus.Healthy, await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Watchdog_EveryDeliverySlotHeldWhileMessagesWait_ReportsTheQueue()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var gate = new ChoreGate();
        var handler = new RecordingStallHandler();
        using var host = BuildHost(vhost, gate, handler);
        await StartAsync(host);

        for (var n = 0; n < 6; n++)
            await host.Services.GetRequiredService<IPublishEndpoint>().Publish(new Chore(n));

        // Two deliveries hold both slots (prefetch 2) and never return; four wait: the bus stays "healthy" throughout.
        var stall = Assert.IsType<QueueStall>(await handler.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("chore", stall.Queue);
        Assert.Equal(4, stall.Ready);
        Assert.Equal(1, stall.Consumers);
        Assert.True(stall.For >= TimeSpan.FromSeconds(2), $"reported after {stall.For}");
        Assert.Equal(BusHealthStatus.Healthy, host.Services.GetRequiredService<IBusControl>().CheckHealth().Status);

        gate.Open.Release(6);
        await host.StopAsync();
    }

    [Fact]
    public async Task Watchdog_SlowConsumerThatKeepsFinishing_NoStall()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var gate = new ChoreGate { Each = TimeSpan.FromMilliseconds(300) };
        var handler = new RecordingStallHandler();
        using var host = BuildHost(vhost, gate, handler);
        await StartAsync(host);

        const int Count = 40; // 40 x 300 ms over 2 slots: about 6 s of backlog, three times StallAfter
        for (var n = 0; n < Count; n++)
            await host.Services.GetRequiredService<IPublishEndpoint>().Publish(new Chore(n));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref gate.Done) < Count && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.Equal(Count, gate.Done);
        if (handler.Stalled.Task.IsCompleted)
            Assert.Fail($"reported a stall: {await handler.Stalled.Task}");
        await host.StopAsync();
    }

    [Fact]
    public async Task Watchdog_BusNeverReadyWhileTheBrokerAnswers_ReportsTheBus()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        // A classic queue where the endpoint declares a quorum one: RabbitMQ refuses the declaration (406) every time
        // the bus tries, so its start never finishes, while the broker itself answers the watchdog all along.
        await vhost.DeclareClassicQueueAsync("chore");
        var handler = new RecordingStallHandler();
        using var host = BuildHost(vhost, new ChoreGate(), handler);
        await host.StartAsync();

        var stall = Assert.IsType<BusNotReady>(await handler.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(stall.For >= TimeSpan.FromSeconds(2), $"reported after {stall.For}");
        Assert.Equal(BusHealthStatus.Unhealthy, host.Services.GetRequiredService<IBusControl>().CheckHealth().Status);
        await host.StopAsync();
    }

    [Fact]
    public async Task ExitOnConsumerStall_StopsTheHostWithExitCode75()
    {
        var before = Environment.ExitCode;
        using var lifetime = new TestLifetime();
        try
        {
            await new ExitOnConsumerStall(lifetime, NullLogger<ExitOnConsumerStall>.Instance)
                .OnStalledAsync(new QueueStall("q", 3, 0, TimeSpan.FromMinutes(5)), CancellationToken.None);
            Assert.Equal(75, Environment.ExitCode);
            Assert.True(lifetime.StopRequested);
        }
        finally
        {
            Environment.ExitCode = before;
        }
    }

    [Fact]
    public void Options_StallAfterShorterThanTwoIntervals_NamesTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Watchdog:Interval"] = "00:01:00",
            ["Bus:Watchdog:StallAfter"] = "00:01:30",
        });
        builder.AddSegLoopBus(_ => { });
        using var host = builder.Build();
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BusOptions>>().Value);
        Assert.Contains("Bus:Watchdog:StallAfter", error.Message, StringComparison.Ordinal);
    }

    private sealed class TestLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public bool StopRequested => _stopping.IsCancellationRequested;
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }
}
