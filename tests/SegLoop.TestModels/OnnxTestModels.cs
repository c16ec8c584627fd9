namespace SegLoop.TestModels;

/// <summary>ONNX models written by the project itself, whose outputs tests can compute by hand.</summary>
public static class OnnxTestModels
{
    /// <summary>ONNX IR version 7 with opset 13: loadable by every ONNX Runtime SegLoop supports.</summary>
    public const long IrVersion = 7;
    public const long Opset = 13;

    /// <summary>A small fully convolutional saliency net with U2-Net's inputs and outputs; see <see cref="SaliencyNet"/>.</summary>
    public static SaliencyNet SaliencyNet(int hiddenChannels = 0) => new(hiddenChannels);

    /// <summary>u2netp's architecture with seeded random weights: a real model's cost and operators; see <see cref="U2NetP"/>.</summary>
    public static U2NetP U2NetP(int seed = 2020) => new(seed);

    /// <summary>
    /// <paramref name="layers"/> chained 3x3 convolutions 3 -> 3 channels ("input" N x 3 x H x W -> "output" the
    /// same shape): slow enough at large sizes to cancel a run while it is going.
    /// </summary>
    public static byte[] ConvChain(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        var nodes = new List<byte[]>();
        var initializers = new List<byte[]>();
        var previous = "input";
        for (var i = 0; i < layers; i++)
        {
            var conv = Convolution.Deterministic(3, 3, 3, seed: i, scale: 1f / 27);
            var output = i == layers - 1 ? "output" : $"x{i}";
            nodes.Add(conv.NodeProto($"conv{i}", previous, output));
            initializers.AddRange(conv.Initializers($"conv{i}"));
            previous = output;
        }
        var graph = OnnxProtoWriter.Graph("conv_chain", nodes, initializers,
            [OnnxProtoWriter.FloatValueInfo("input", "batch", 3L, "height", "width")],
            [OnnxProtoWriter.FloatValueInfo("output", "batch", 3L, "height", "width")]);
        return OnnxProtoWriter.Model(IrVersion, Opset, graph, "segloop-testmodels");
    }
}

/// <summary>
/// A fully convolutional saliency model with the U2-Net convention: input "input" N x 3 x H x W float (N, H, W
/// dynamic); first output "d0" N x 1 x H x W in (0, 1); a side output "d1" of the same shape, like U2-Net's.
/// <para>d0 = sigmoid(conv3x3(x)) with hiddenChannels = 0, else sigmoid(conv3x3(relu(conv3x3(x) to hidden channels)));
/// d1 = sigmoid(conv1x1(x)). Convolutions have stride 1 and zero padding that keeps H x W.</para>
/// </summary>
public sealed class SaliencyNet
{
    public const string InputName = "input";
    public const string OutputName = "d0";
    public const string SideOutputName = "d1";

    private readonly Convolution[] _main;
    private readonly Convolution _side;

    internal SaliencyNet(int hiddenChannels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hiddenChannels);
        HiddenChannels = hiddenChannels;
        _main = hiddenChannels == 0
            ? [Convolution.Deterministic(3, 1, 3, seed: 0.3f, scale: 0.35f)]
            : [Convolution.Deterministic(3, hiddenChannels, 3, seed: 0.3f, scale: 0.35f),
               Convolution.Deterministic(hiddenChannels, 1, 3, seed: 1.1f, scale: 0.5f / MathF.Sqrt(hiddenChannels))];
        _side = Convolution.Deterministic(3, 1, 1, seed: 2.9f, scale: 0.8f);
        Onnx = Build();
    }

    public int HiddenChannels { get; }

    /// <summary>The serialized ModelProto.</summary>
    public byte[] Onnx { get; }

    public IReadOnlyList<Convolution> Layers => _main;

    public Convolution SideLayer => _side;

    /// <summary>Expected "d0" for an N x 3 x H x W input, computed in C#.</summary>
    public float[] ExpectedOutput(ReadOnlySpan<float> input, int batch, int height, int width)
    {
        var x = _main[0].Apply(input, batch, height, width);
        for (var i = 1; i < _main.Length; i++)
        {
            for (var j = 0; j < x.Length; j++)
                x[j] = MathF.Max(0, x[j]);
            x = _main[i].Apply(x, batch, height, width);
        }
        return Sigmoid(x);
    }

    /// <summary>Expected "d1" for an N x 3 x H x W input, computed in C#.</summary>
    public float[] ExpectedSideOutput(ReadOnlySpan<float> input, int batch, int height, int width) =>
        Sigmoid(_side.Apply(input, batch, height, width));

    /// <summary>A deterministic N x 3 x H x W test image batch with values in [0, 1].</summary>
    public static float[] SampleInput(int batch, int height, int width, int seed = 0)
    {
        var data = new float[batch * 3 * height * width];
        for (var i = 0; i < data.Length; i++)
            data[i] = 0.5f + 0.5f * MathF.Sin(0.37f * i + 0.11f * (i % 97) + seed);
        return data;
    }

    private static float[] Sigmoid(float[] x)
    {
        for (var i = 0; i < x.Length; i++)
            x[i] = (float)(1.0 / (1.0 + Math.Exp(-x[i])));
        return x;
    }

    private byte[] Build()
    {
        var nodes = new List<byte[]>();
        var initializers = new List<byte[]>();
        var previous = InputName;
        for (var i = 0; i < _main.Length; i++)
        {
            var name = $"stage{i}";
            var output = i == _main.Length - 1 ? "logits0" : $"conv{i}";
            nodes.Add(_main[i].NodeProto(name, previous, output));
            initializers.AddRange(_main[i].Initializers(name));
            previous = output;
            if (i < _main.Length - 1)
            {
                nodes.Add(OnnxProtoWriter.Node("Relu", $"relu{i}", [output], [$"relu{i}"]));
                previous = $"relu{i}";
            }
        }
        nodes.Add(OnnxProtoWriter.Node("Sigmoid", "sigmoid0", ["logits0"], [OutputName]));
        nodes.Add(_side.NodeProto("side", InputName, "logits1"));
        initializers.AddRange(_side.Initializers("side"));
        nodes.Add(OnnxProtoWriter.Node("Sigmoid", "sigmoid1", ["logits1"], [SideOutputName]));

        var graph = OnnxProtoWriter.Graph("saliency_net", nodes, initializers,
            [OnnxProtoWriter.FloatValueInfo(InputName, "batch", 3L, "height", "width")],
            [
                OnnxProtoWriter.FloatValueInfo(OutputName, "batch", 1L, "height", "width"),
                OnnxProtoWriter.FloatValueInfo(SideOutputName, "batch", 1L, "height", "width"),
            ]);
        return OnnxProtoWriter.Model(OnnxTestModels.IrVersion, OnnxTestModels.Opset, graph, "segloop-testmodels");
    }
}
