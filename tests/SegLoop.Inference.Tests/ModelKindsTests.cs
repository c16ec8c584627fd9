using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Backends.Refiner;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage;
using SegLoop.TestModels;
using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>The model-kind seam: metadata picks the backend, older metadata still loads, the refiner's features.</summary>
public sealed class ModelKindsTests
{
    private static ModelLoadContext Context(ModelRegistry registry) => new(registry, new OnnxModelOptions(), 2, 3, NullLogger.Instance);

    [Fact]
    public async Task LoadAsync_MetadataWrittenBeforeKinds_LoadsAsOnnx()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var onnx = OnnxTestModels.SaliencyNet().Onnx;
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx));
        // A metadata.json as this project wrote it before kinds: no backend, no file, no settings.
        await store.PutBytesAsync("models/old/v1/model.onnx", onnx);
        await store.PutBytesAsync("models/old/v1/metadata.json", Encoding.UTF8.GetBytes(
            $$"""{"name":"old","version":"v1","sha256":"{{sha}}","size":{{onnx.Length}},"preprocessing":{"mode":"Fcn","inputSize":320},"inputNames":["input"],"outputNames":["d0","d1"]}"""));

        var loaded = await ModelKinds.LoadAsync("old", "v1", sha, Context(registry), CancellationToken.None);
        using var owned = loaded.Owned;

        Assert.IsType<OnnxBackend>(loaded.Backend);
        var metadata = await registry.GetMetadataAsync("old", "v1");
        Assert.Equal((ModelKinds.Onnx, "model.onnx"), (metadata.Backend, metadata.File));
    }

    [Fact]
    public async Task RegisterArtifactAsync_UnknownKind_RefusedByName()
    {
        var registry = new ModelRegistry(new InMemoryBlobStore(), TimeProvider.System);
        var e = await Assert.ThrowsAsync<ModelRegistryException>(() =>
            registry.RegisterArtifactAsync("thing", [1, 2, 3], "forest", "model.bin", JsonDocument.Parse("{}").RootElement));
        Assert.Contains("'forest'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_RefinerWhoseZipIsNotMlNet_RefusedWithRegistryError()
    {
        var store = new InMemoryBlobStore();
        var registry = new ModelRegistry(store, TimeProvider.System);
        var metadata = await registry.RegisterArtifactAsync("refiner", [1, 2, 3], ModelKinds.Refiner, "model.zip",
            new RefinerSettings { BaseModel = "grabcut" }.ToJson());

        Assert.True(store.Blobs.ContainsKey("models/refiner/v1/model.zip"));
        Assert.Equal("models/refiner/v1/model.zip", (await registry.PromoteAsync("refiner", metadata.Version)).ModelKey);
        await Assert.ThrowsAsync<ModelRegistryException>(() => ModelKinds.LoadAsync("refiner", "v1", null, Context(registry), CancellationToken.None));
    }

    [Fact]
    public void Compute_BoxAndClicks_PositionAndClickFeaturesAsDefined()
    {
        // A 20 x 20 grey image, box (5, 5, 10, 10), padding 0.15: window (3, 3, 14, 14) at full size (working size 192).
        using var image = Image.FromPixels(20, 20, 3, Enumerable.Repeat((byte)128, 20 * 20 * 3).ToArray());
        var prompt = PromptGeometry.Prepare(new Prompt { Box = new BoundingBox(5, 5, 10, 10), Clicks = [new Click(10, 10, true)] }, 0, 20, 20, 0.15);
        using var crop = image.Crop(prompt.Window);

        var frame = RefinerFeatures.Compute(crop, null, prompt, 2);

        Assert.Equal((prompt.Window.Width, prompt.Window.Height), (frame.Width, frame.Height));
        float F(int x, int y, int feature) => frame.Features[(((y * frame.Width) + x) * RefinerFeatures.Count) + feature];
        var (bx, by) = (prompt.BoxInCrop.X, prompt.BoxInCrop.Y);
        // The box's top-left pixel: centre 0.5 px inside, so x and y are 0.05 of the box and the edge distance 0.5 / 5.
        Assert.Equal(0.05f, F(bx, by, 8), 5);
        Assert.Equal(0.05f, F(bx, by, 9), 5);
        Assert.Equal(0.1f, F(bx, by, 10), 5);
        Assert.Equal(1f, F(bx, by, 11));
        Assert.Equal(0f, F(0, 0, 11));
        Assert.True(F(0, 0, 10) < 0);
        // The click's own pixel: distance 0 to a positive click, inside its disc; no negative click anywhere.
        var (cx, cy) = (10 - prompt.Window.X, 10 - prompt.Window.Y);
        Assert.Equal(0f, F(cx, cy, 16));
        Assert.Equal(1f, F(cx, cy, 18));
        Assert.Equal(1f, F(cx, cy, 17));
        Assert.Equal(0f, F(cx, cy, 19));
        // Flat grey: no edges, the same colour as outside the box.
        Assert.Equal(0f, F(cx, cy, 7), 5);
        Assert.Equal(0f, F(cx, cy, 12), 4);
        Assert.Equal(RefinerFeatures.Count, RefinerFeatures.Names.Count);
    }

    [Fact]
    public void HoldClickDiscs_PositiveAndNegativeDiscs_OneInsideZeroInsideTheRestAsPredicted()
    {
        // A 40 x 40 grey image, box (5, 5, 30, 30): disc radius 0.05 of the box diagonal (2.1 px) around each click.
        using var image = Image.FromPixels(40, 40, 3, Enumerable.Repeat((byte)128, 40 * 40 * 3).ToArray());
        var prompt = PromptGeometry.Prepare(
            new Prompt { Box = new BoundingBox(5, 5, 30, 30), Clicks = [new Click(10, 10, true), new Click(30, 30, false)] }, 0, 40, 40, 0.15);
        using var crop = image.Crop(prompt.Window);
        var frame = RefinerFeatures.Compute(crop, null, prompt, 2);
        var probabilities = Enumerable.Repeat(0.5f, frame.Width * frame.Height).ToArray();

        RefinerFeatures.HoldClickDiscs(frame, probabilities);

        float P(double x, double y) => probabilities[((int)(y - prompt.Window.Y) * frame.Width) + (int)(x - prompt.Window.X)];
        Assert.Equal(1f, P(10, 10));
        Assert.Equal(1f, P(11, 10));
        Assert.Equal(0f, P(30, 30));
        Assert.Equal(0f, P(30, 29));
        Assert.Equal(0.5f, P(20, 20));
        Assert.Equal(0.5f, P(10, 14));
        // Offsets within 2.1 px of a pixel centre: the centre, 4 at 1, 4 at 1.41, 4 at 2.
        Assert.Equal(13, probabilities.Count(p => p == 1f));
        Assert.Equal(13, probabilities.Count(p => p == 0f));
    }
}
