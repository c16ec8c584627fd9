using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Inference;
using SegLoop.Storage;
using SegLoop.Testing;

namespace SegLoop.ActiveLearning.Tests;

public sealed class RankingServiceTests
{
    private static ServiceProvider Build(IBlobStore store, Action<IBusRegistrationConfigurator>? bus = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Inference:Batching:MaxWaitMs"] = "1" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(store);
        services.AddInference(configuration);
        services.AddRanking();
        if (bus is not null)
            services.AddMassTransitTestHarness(bus);
        return services.BuildServiceProvider();
    }

    private static async Task<InMemoryBlobStore> StoreWithImagesAsync()
    {
        var store = new InMemoryBlobStore();
        using var a = TestPictures.Gradient(48, 36);
        using var b = TestPictures.Gradient(36, 48);
        await store.PutBytesAsync("images/a.png", a.EncodePng());
        await store.PutBytesAsync("images/b.png", b.EncodePng());
        await store.PutBytesAsync("images/broken.jpg", "not an image"u8.ToArray());
        return store;
    }

    private static RankingRequested Request(params string[] keys) =>
        new() { RequestId = "nightly-1", ImageKeys = keys, Model = "grabcut", Passes = 2, TopSuperpixels = 20 };

    [Fact]
    public async Task HandleAsync_TwoImagesAndAnUnreadableOne_RanksTheTwoAndNamesTheThird()
    {
        var store = await StoreWithImagesAsync();
        await using var provider = Build(store);

        var outcome = await provider.GetRequiredService<RankingService>()
            .HandleAsync(Request("images/a.png", "images/broken.jpg", "images/b.png", "images/missing.png"), CancellationToken.None);

        var completed = Assert.IsType<RankingCompleted>(outcome.Completed);
        Assert.Equal(2, completed.Ranked);
        Assert.Equal(["images/broken.jpg:unreadable-image", "images/missing.png:image-not-found"],
            completed.Failures.Select(f => $"{f.ImageKey}:{f.Code}"));
        Assert.Equal("rankings/nightly-1/ranking.csv", completed.RankingKey);
        var csv = System.Text.Encoding.UTF8.GetString(store.Blobs[completed.RankingKey]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, csv.Length);
        Assert.Contains(csv, l => l.StartsWith("images/a.png,", StringComparison.Ordinal));
        Assert.True(store.Blobs.ContainsKey(completed.SuperpixelsKey));
        Assert.StartsWith("<!DOCTYPE html>", System.Text.Encoding.UTF8.GetString(store.Blobs[completed.ReportKey]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_Redelivered_RewritesTheSameBytes()
    {
        var store = await StoreWithImagesAsync();
        await using var provider = Build(store);
        var service = provider.GetRequiredService<RankingService>();

        await service.HandleAsync(Request("images/a.png", "images/b.png"), CancellationToken.None);
        var first = store.Blobs.Where(kv => kv.Key.StartsWith("rankings/", StringComparison.Ordinal)).ToDictionary();
        await service.HandleAsync(Request("images/b.png", "images/a.png"), CancellationToken.None);

        Assert.Equal(3, first.Count);
        foreach (var (key, bytes) in first)
            Assert.Equal(bytes, store.Blobs[key]);
    }

    [Theory]
    [InlineData(0, "bad-request")]
    [InlineData(33, "bad-request")]
    public async Task HandleAsync_PassesOutOfRange_FailsWithReason(int passes, string code)
    {
        await using var provider = Build(await StoreWithImagesAsync());

        var outcome = await provider.GetRequiredService<RankingService>().HandleAsync(Request("images/a.png") with { Passes = passes }, CancellationToken.None);

        Assert.Equal(code, outcome.Failed?.Code);
        Assert.Contains("1..32", outcome.Failed!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NoImages_FailsNoImages()
    {
        await using var provider = Build(await StoreWithImagesAsync());
        var outcome = await provider.GetRequiredService<RankingService>().HandleAsync(Request(), CancellationToken.None);
        Assert.Equal(RankingCodes.NoImages, outcome.Failed?.Code);
    }

    [Fact]
    public async Task HandleAsync_OnlyUnreadableImages_FailsNoReadableImageWithEachReason()
    {
        await using var provider = Build(await StoreWithImagesAsync());
        var outcome = await provider.GetRequiredService<RankingService>().HandleAsync(Request("images/broken.jpg"), CancellationToken.None);
        Assert.Equal(RankingCodes.NoReadableImage, outcome.Failed?.Code);
        Assert.Equal(RankingCodes.UnreadableImage, Assert.Single(outcome.Failed!.Failures!).Code);
    }

    [Fact]
    public async Task HandleAsync_UnknownModel_FailsUnknownModel()
    {
        await using var provider = Build(await StoreWithImagesAsync());
        var outcome = await provider.GetRequiredService<RankingService>().HandleAsync(Request("images/a.png") with { Model = "nope" }, CancellationToken.None);
        Assert.Equal(RankingCodes.UnknownModel, outcome.Failed?.Code);
    }

    [Fact]
    public async Task Consumer_RankingRequested_PublishesRankingCompleted()
    {
        var store = await StoreWithImagesAsync();
        await using var provider = Build(store, bus => bus.AddRankingConsumers());
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        try
        {
            await harness.Bus.Publish(Request("images/a.png"));

            Assert.True(await harness.Published.Any<RankingCompleted>());
            var completed = harness.Published.Select<RankingCompleted>().Single().Context.Message;
            Assert.Equal(1, completed.Ranked);
            Assert.True(store.Blobs.ContainsKey(completed.ReportKey));
        }
        finally
        {
            await harness.Stop();
        }
    }
}
