using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>The registry in storage, and hot swap on ModelPromoted while requests are in flight.</summary>
public sealed class ModelRegistryTests
{
    private static readonly OnnxPreprocessing Fcn = new() { Mode = PreprocessingMode.Fcn };

    [Fact]
    public async Task RegisterAndPromote_WritesKeysMetadataAndPromotedJson()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var onnx = OnnxTestModels.SaliencyNet().Onnx;

        var v1 = await registry.RegisterAsync("saliency", onnx, Fcn);
        var v2 = await registry.RegisterAsync("saliency", OnnxTestModels.SaliencyNet(2).Onnx, Fcn);
        var promoted = await registry.PromoteAsync("saliency", "v1");

        Assert.Equal(("v1", "v2"), (v1.Version, v2.Version));
        Assert.Equal(["input"], v1.InputNames);
        Assert.Equal(["d0", "d1"], v1.OutputNames);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx)), v1.Sha256);
        Assert.True(store.Blobs.ContainsKey("models/saliency/v1/model.onnx"));
        Assert.True(store.Blobs.ContainsKey("models/saliency/v2/metadata.json"));
        Assert.Equal(new ModelPromoted { Name = "saliency", Version = "v1", ModelKey = "models/saliency/v1/model.onnx", Sha256 = v1.Sha256 }, promoted);
        Assert.Equal("v1", (await registry.GetPromotedAsync("saliency"))!.Version);
        var listed = Assert.Single(await registry.ListAsync());
        Assert.Equal(new[] { "v1", "v2" }, listed.Versions);
        Assert.Equal("v1", listed.Promoted);
    }

    [Fact]
    public async Task RegisterAsync_WithProvenance_MetadataKeepsKindLicenceSourceAndPreprocessing()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var isnet = new OnnxPreprocessing { Mode = PreprocessingMode.IsNet, InputSize = 1024, Mean = 128, Std = 256, InputName = "input", OutputName = "d0" };

        await registry.RegisterAsync("isnet", OnnxTestModels.SaliencyNet().Onnx, isnet, "v1", new ModelProvenance("isnet", "Apache-2.0", "pkg@1.0.0"));
        var read = await registry.GetMetadataAsync("isnet", "v1");

        Assert.Equal(("isnet", "Apache-2.0", "pkg@1.0.0"), (read.Kind, read.License, read.Source));
        Assert.Equal(isnet, read.Preprocessing);
    }

    [Fact]
    public async Task LoadAsync_TamperedFile_RefusedWithShaMismatch()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        await registry.RegisterAsync("saliency", OnnxTestModels.SaliencyNet().Onnx, Fcn);
        var tampered = store.Blobs["models/saliency/v1/model.onnx"].ToArray();
        tampered[^1] ^= 0xFF;
        await store.PutBytesAsync("models/saliency/v1/model.onnx", tampered);

        var e = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.LoadAsync("saliency", "v1"));
        Assert.Contains("sha256", e.Message);
    }

    [Fact]
    public async Task RegisterAsync_NotAnOnnxFile_RefusedWithReason()
    {
        var registry = new ModelRegistry(new InMemoryBlobStore(), TimeProvider.System);

        var e = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.RegisterAsync("broken", "hello"u8.ToArray(), Fcn));
        Assert.Contains("not a loadable ONNX model", e.Message);
    }

    [Fact]
    public async Task ModelPromoted_WhileRequestsInFlight_SwapsWithoutFailures()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        await registry.RegisterAsync("saliency", OnnxTestModels.SaliencyNet().Onnx, Fcn);
        await registry.RegisterAsync("saliency", OnnxTestModels.SaliencyNet(4).Onnx, Fcn);
        await registry.PromoteAsync("saliency", "v1");
        for (var i = 0; i < 8; i++)
        {
            using var image = TestImages.Squares(96, 80, 0, 255, new Rect(20 + i, 20, 40, 30));
            await store.PutBytesAsync($"images/swap/{i}.png", image.EncodePng());
        }
        using var host = InferenceHost.Build(store, new Dictionary<string, string?> { ["Bus:Transport"] = "InMemory" });
        await InferenceHost.StartAsync(host);
        var publish = host.Services.GetRequiredService<IPublishEndpoint>();
        var collector = host.Services.GetRequiredService<ResultCollector>();
        PreAnnotationRequested Request(int n) => new()
        {
            RequestId = $"swap-{n}",
            ImageKey = $"images/swap/{n % 8}.png",
            Model = "saliency",
            Prompts = [new Prompt { Box = new BoundingBox(18, 18, 48, 36) }, new Prompt { Box = new BoundingBox(10, 10, 30, 30) }],
        };

        // v1 is loaded and serving; then a stream of requests with the promotion in the middle of it.
        await publish.Publish(Request(0));
        await collector.WaitForAsync(1, TimeSpan.FromSeconds(60));
        Assert.Equal("v1", collector.Completed["swap-0"].ModelVersion);
        var sent = 1;
        for (; sent < 150; sent++)
            await publish.Publish(Request(sent));
        await publish.Publish(await registry.PromoteAsync("saliency", "v2"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!collector.Completed.Values.Any(c => c.ModelVersion == "v2") && DateTime.UtcNow < deadline)
        {
            for (var k = 0; k < 10; k++, sent++)
                await publish.Publish(Request(sent));
            await Task.Delay(50);
        }
        await collector.WaitForAsync(sent, TimeSpan.FromSeconds(120));

        Assert.Empty(collector.Failed);
        Assert.Equal(sent, collector.Completed.Count);
        Assert.Contains(collector.Completed.Values, c => c.ModelVersion == "v1");
        Assert.Contains(collector.Completed.Values, c => c.ModelVersion == "v2");
        Assert.All(collector.Completed.Values, c => Assert.Equal(2, c.Masks.Count));
        await host.StopAsync();
    }
}
