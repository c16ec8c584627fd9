using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Inference.Tests;

/// <summary>Requests answered by the service itself (no bus) and through the in-memory bus.</summary>
public sealed class PreAnnotationServiceTests : IAsyncLifetime
{
    private readonly InMemoryBlobStore _store = new();
    private ServiceProvider _provider = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:Batching:MaxWaitMs"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IBlobStore>(_store);
        services.AddInference(configuration);
        _provider = services.BuildServiceProvider();
        await _store.PutBytesAsync("images/object.png", TestImages.ObjectPng(64, 48, new Rect(20, 14, 24, 20), seed: 1));
        await _store.PutBytesAsync("images/garbage.png", "not an image"u8.ToArray());
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private Task<PreAnnotationOutcome> HandleAsync(PreAnnotationRequested request) =>
        _provider.GetRequiredService<PreAnnotationService>().HandleAsync(request, CancellationToken.None);

    private static PreAnnotationRequested Request(string imageKey, string? model = null, params Prompt[] prompts) => new()
    {
        RequestId = "r-1",
        ImageKey = imageKey,
        Model = model,
        Prompts = prompts.Length > 0 ? prompts : [new Prompt { Box = new BoundingBox(16, 10, 32, 28), Label = "7" }],
    };

    [Fact]
    public async Task HandleAsync_GrabCutBox_MaskRleBboxPolygonsAndResultsFile()
    {
        var outcome = await HandleAsync(Request("images/object.png"));

        var completed = Assert.IsType<PreAnnotationCompleted>(outcome.Completed);
        var mask = Assert.Single(completed.Masks);
        Assert.Equal("7", mask.Label);
        var rle = RleMask.FromContract(mask.Rle);
        var truth = TestImages.RectMask(64, 48, new Rect(20, 14, 24, 20));
        var iou = RleMask.Iou([rle], [RleMask.Encode(truth.Data, 48, 64)])[0, 0];
        Assert.True(iou > 0.9, $"IoU {iou:F3}");
        Assert.Equal(new BoundingBox(20, 14, 24, 20), mask.Box);
        Assert.NotEmpty(mask.Polygons);
        Assert.InRange(mask.Score, 0.99, 1.0);
        Assert.Equal("prelabels/r-1.json", completed.ResultsKey);
        var results = await _store.GetJsonAsync<List<CocoResult>>(completed.ResultsKey);
        Assert.Equal(mask.Rle, Assert.Single(results).Segmentation);
        Assert.Equal("images/object.png", results[0].ImageId);
    }

    [Fact]
    public async Task HandleAsync_MissingImage_FailedImageNotFound()
    {
        var outcome = await HandleAsync(Request("images/nope.png"));

        var failed = Assert.IsType<PreAnnotationFailed>(outcome.Failed);
        Assert.Equal(FailureCodes.ImageNotFound, failed.Code);
        Assert.Contains("images/nope.png", failed.Reason);
        Assert.Equal("r-1", failed.RequestId);
    }

    [Fact]
    public async Task HandleAsync_UnknownModel_FailedUnknownModel()
    {
        var outcome = await HandleAsync(Request("images/object.png", model: "no-such-model"));

        var failed = Assert.IsType<PreAnnotationFailed>(outcome.Failed);
        Assert.Equal(FailureCodes.UnknownModel, failed.Code);
        Assert.Contains("no-such-model", failed.Reason);
    }

    [Fact]
    public async Task HandleAsync_UnreadableImage_FailedUnreadableImage()
    {
        var failed = Assert.IsType<PreAnnotationFailed>((await HandleAsync(Request("images/garbage.png"))).Failed);
        Assert.Equal(FailureCodes.UnreadableImage, failed.Code);
    }

    [Theory]
    [InlineData(double.NaN, 1, 10, 10, "NaN")]
    [InlineData(5, 5, 0, 10, "empty")]
    [InlineData(500, 500, 10, 10, "outside")]
    public async Task HandleAsync_BadBox_FailedBadPrompt(double x, double y, double w, double h, string expected)
    {
        var outcome = await HandleAsync(Request("images/object.png", null, new Prompt { Box = new BoundingBox(x, y, w, h) }));

        var failed = Assert.IsType<PreAnnotationFailed>(outcome.Failed);
        Assert.Equal(FailureCodes.BadPrompt, failed.Code);
        Assert.Contains(expected, failed.Reason);
    }

    [Fact]
    public async Task HandleAsync_ExtremePoints_BoxDerivedFromThem()
    {
        var prompt = new Prompt { ExtremePoints = [new ImagePoint(20, 24), new ImagePoint(30, 14), new ImagePoint(43.5, 20), new ImagePoint(33, 33.5)] };

        var completed = Assert.IsType<PreAnnotationCompleted>((await HandleAsync(Request("images/object.png", null, prompt))).Completed);

        var box = Assert.Single(completed.Masks).Box;
        Assert.InRange(box.X, 19, 21);
        Assert.InRange(box.Y, 13, 15);
        Assert.InRange(box.Width, 22, 25);
    }

    [Fact]
    public async Task Bus_MissingImageAndUnknownModel_PublishedAsPreAnnotationFailed()
    {
        using var host = InferenceHost.Build(_store, new Dictionary<string, string?> { ["Bus:Transport"] = "InMemory" });
        await InferenceHost.StartAsync(host);
        var publish = host.Services.GetRequiredService<IPublishEndpoint>();

        await publish.Publish(Request("images/missing.png") with { RequestId = "missing" });
        await publish.Publish(Request("images/object.png", model: "ghost") with { RequestId = "ghost" });
        await publish.Publish(Request("images/object.png") with { RequestId = "fine" });

        var collector = host.Services.GetRequiredService<ResultCollector>();
        await collector.WaitForAsync(3, TimeSpan.FromSeconds(60));
        Assert.Equal(FailureCodes.ImageNotFound, collector.Failed["missing"].Code);
        Assert.Contains("does not exist", collector.Failed["missing"].Reason);
        Assert.Equal(FailureCodes.UnknownModel, collector.Failed["ghost"].Code);
        Assert.Contains("'ghost'", collector.Failed["ghost"].Reason);
        Assert.True(collector.Completed.ContainsKey("fine"));
        await host.StopAsync();
    }
}
