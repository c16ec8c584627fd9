using SegLoop.ModelRuntime.Onnx;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

public sealed class OnnxDynamicShapesTests
{
    [Fact]
    public void MakeDynamic_TracedResizeNet_RewritesBothSizePatterns()
    {
        var result = OnnxDynamicShapes.MakeDynamic(TracedResizeNet.Build());

        Assert.Equal(2, result.ResizesRewritten);
        Assert.Equal((8L, 8L), (result.TracedHeight, result.TracedWidth));
        using var model = OnnxModel.FromBytes(result.Model);
        Assert.Equal(new TensorShape(-1, 2, -1, -1), model.Inputs[0].Shape);
        Assert.All(model.Outputs, o => Assert.Equal(new TensorShape(-1, 4, -1, -1), o.Shape));
    }

    [Fact]
    public void MakeDynamic_AtTheTracedSize_SameOutputsAsTheOriginal()
    {
        var original = TracedResizeNet.Build();
        using var before = OnnxModel.FromBytes(original);
        using var after = OnnxModel.FromBytes(OnnxDynamicShapes.MakeDynamic(original).Model);
        var input = SaliencyNet.SampleInput(1, 8, 8, seed: 3)[..(2 * 8 * 8)];
        var shape = new TensorShape(1, 2, 8, 8);

        using var expected = before.Run(input, shape);
        using var actual = after.Run(input, shape);

        foreach (var name in new[] { TracedResizeNet.FeaturesName, TracedResizeNet.SideName })
            Assert.Equal(expected.ToArray(name), actual.ToArray(name));
    }

    [Theory]
    [InlineData(1, 8, 8)]
    [InlineData(2, 12, 20)]
    [InlineData(3, 32, 16)]
    public void MakeDynamic_AnyBatchAndSize_OutputsFollowTheInput(int batch, int height, int width)
    {
        using var model = OnnxModel.FromBytes(OnnxDynamicShapes.MakeDynamic(TracedResizeNet.Build()).Model);
        var plane = height * width;
        var levels = Enumerable.Range(0, batch * 2).Select(i => 0.25f * i - 0.5f).ToArray();
        var input = new float[batch * 2 * plane];
        for (var p = 0; p < levels.Length; p++)
            input.AsSpan(p * plane, plane).Fill(levels[p]);

        using var outputs = model.Run(input, new TensorShape(batch, 2, height, width));

        Assert.Equal(new TensorShape(batch, 4, height, width), outputs.GetShape(0));
        Assert.Equal(new TensorShape(batch, 4, height, width), outputs.GetShape(1));
        var features = outputs.GetSpan(TracedResizeNet.FeaturesName);
        var side = outputs.GetSpan(TracedResizeNet.SideName);
        for (var n = 0; n < batch; n++)
        {
            for (var c = 0; c < 4; c++)
            {
                var level = levels[n * 2 + c % 2];
                var at = (n * 4 + c) * plane;
                Assert.All(features.Slice(at, plane).ToArray(), v => Assert.Equal(level, v, 1e-6f));
                Assert.All(side.Slice(at, plane).ToArray(), v => Assert.Equal(1f / (1f + MathF.Exp(-level)), v, 1e-6f));
            }
        }
    }

    [Fact]
    public void Original_AtAnotherSize_IsRefused()
    {
        // What the rewrite is for: the traced graph cannot run at another size.
        using var model = OnnxModel.FromBytes(TracedResizeNet.Build());
        Assert.ThrowsAny<Exception>(() => model.Run(new float[2 * 12 * 20], new TensorShape(1, 2, 12, 20)).Dispose());
    }

    [Fact]
    public void MakeDynamic_ResizeFeedingAnUnknownOperator_RefusesWithTheNodeName()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxDynamicShapes.MakeDynamic(TracedResizeNet.Build(firstConsumer: "Relu")));
        Assert.Contains("Resize up", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeDynamic_ConstantDisagreesWithTheTracedShape_Refuses()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxDynamicShapes.MakeDynamic(TracedResizeNet.Build(resizeTo: 6)));
        Assert.Contains("[6, 6]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeDynamic_NotAModel_Refuses() =>
        Assert.Throws<InvalidDataException>(() => OnnxDynamicShapes.MakeDynamic(new byte[] { 0x0a, 0x7f, 1, 2 }));
}
