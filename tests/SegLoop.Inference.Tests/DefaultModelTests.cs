using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.Storage;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>
/// A request that names no model gets Inference:DefaultModel when it is set, else the promoted IS-Net ("isnet"),
/// else GrabCut. The tests register the small test net under the name "isnet": what is checked is the choice.
/// </summary>
public sealed class DefaultModelTests
{
    [Fact]
    public async Task HandleAsync_NoModelNamedAndNoIsNet_AnswersWithGrabCut()
    {
        var store = await StoreWithImageAsync();
        await using var provider = Build(store, defaultModel: null);

        var completed = Assert.IsType<PreAnnotationCompleted>((await HandleAsync(provider, "r-1")).Completed);

        Assert.Equal(GrabCutBackend.ModelName, completed.Model);
    }

    [Fact]
    public async Task HandleAsync_NoModelNamedAndIsNetPromoted_AnswersWithIsNet()
    {
        var store = await StoreWithImageAsync();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var metadata = await registry.RegisterAsync(ModelCatalog.PreferredDefault, OnnxTestModels.SaliencyNet(4).Onnx,
            new OnnxPreprocessing { Mode = PreprocessingMode.Fcn });
        await registry.PromoteAsync(ModelCatalog.PreferredDefault, metadata.Version);
        await using var provider = Build(store, defaultModel: null);

        var completed = Assert.IsType<PreAnnotationCompleted>((await HandleAsync(provider, "r-1")).Completed);

        Assert.Equal((ModelCatalog.PreferredDefault, metadata.Version), (completed.Model, completed.ModelVersion));
    }

    [Fact]
    public async Task HandleAsync_IsNetPromotedAfterAGrabCutAnswer_SwitchesToIsNet()
    {
        var store = await StoreWithImageAsync();
        await using var provider = Build(store, defaultModel: null);
        Assert.Equal(GrabCutBackend.ModelName, Assert.IsType<PreAnnotationCompleted>((await HandleAsync(provider, "r-1")).Completed).Model);

        var registry = new ModelRegistry(store, TimeProvider.System);
        var metadata = await registry.RegisterAsync(ModelCatalog.PreferredDefault, OnnxTestModels.SaliencyNet(4).Onnx,
            new OnnxPreprocessing { Mode = PreprocessingMode.Fcn });
        var promoted = await registry.PromoteAsync(ModelCatalog.PreferredDefault, metadata.Version);
        await provider.GetRequiredService<ModelCatalog>().PromoteAsync(promoted, CancellationToken.None);

        Assert.Equal(ModelCatalog.PreferredDefault, Assert.IsType<PreAnnotationCompleted>((await HandleAsync(provider, "r-2")).Completed).Model);
    }

    [Fact]
    public async Task HandleAsync_DefaultModelConfigured_WinsOverIsNet()
    {
        var store = await StoreWithImageAsync();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var metadata = await registry.RegisterAsync(ModelCatalog.PreferredDefault, OnnxTestModels.SaliencyNet(4).Onnx,
            new OnnxPreprocessing { Mode = PreprocessingMode.Fcn });
        await registry.PromoteAsync(ModelCatalog.PreferredDefault, metadata.Version);
        await using var provider = Build(store, defaultModel: GrabCutBackend.ModelName);

        var completed = Assert.IsType<PreAnnotationCompleted>((await HandleAsync(provider, "r-1")).Completed);

        Assert.Equal(GrabCutBackend.ModelName, completed.Model);
    }

    private static async Task<InMemoryBlobStore> StoreWithImageAsync()
    {
        var store = new InMemoryBlobStore();
        await store.PutBytesAsync("images/object.png", TestImages.ObjectPng(64, 48, new Rect(20, 14, 24, 20), seed: 1));
        return store;
    }

    private static ServiceProvider Build(IBlobStore store, string? defaultModel) =>
        InferenceServices.Build(store, new Dictionary<string, string?> { ["Inference:DefaultModel"] = defaultModel });

    private static Task<PreAnnotationOutcome> HandleAsync(ServiceProvider provider, string requestId) =>
        InferenceServices.HandleAsync(provider, requestId, model: null);
}
