namespace SegLoop.TestModels;

/// <summary>
/// u2netp's architecture (Qin et al. 2020, xuebinqin/U-2-Net model/u2net.py, class U2NETP) written as ONNX, with
/// seeded random weights instead of trained ones: the graph rembg runs, operator for operator, so it costs what the
/// real model costs (1.13 M parameters, about 20 GMAC per 320 x 320 image) and exercises what a real export does
/// (dilated convolutions, max pooling with ceil_mode, bilinear Resize, Concat, residual Add, seven sigmoid outputs).
/// <para>Batch normalisation is folded into the convolutions (as ONNX Runtime does when it loads a trained export).
/// Upsampling doubles (and the side outputs scale by 2 to 32), as <c>_upsample_like</c> does when every level is even:
/// H and W must be multiples of 32 (320 x 320 in rembg mode). Input "input" N x 3 x H x W; outputs "d0" (the fused
/// map, the one rembg reads) to "d6", each N x 1 x H x W in (0, 1).</para>
/// </summary>
public sealed class U2NetP
{
    public const string InputName = "input";
    public const string OutputName = "d0";

    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly Random _random;
    private long _parameters;
    private int _counter;

    public U2NetP(int seed = 2020)
    {
        _random = new Random(seed);
        Onnx = Build();
    }

    /// <summary>The serialized ModelProto.</summary>
    public byte[] Onnx { get; }

    /// <summary>Convolution weights and biases (u2netp's batch-norm parameters are folded into them).</summary>
    public long Parameters => _parameters;

    private byte[] Build()
    {
        // Encoder: RSU7, RSU6, RSU5, RSU4, RSU4F, RSU4F (in 3 or 64, mid 16, out 64), a 2 x 2 pool between stages.
        var hx1 = Rsu(7, InputName, 3, 16, 64);
        var hx2 = Rsu(6, Pool(hx1), 64, 16, 64);
        var hx3 = Rsu(5, Pool(hx2), 64, 16, 64);
        var hx4 = Rsu(4, Pool(hx3), 64, 16, 64);
        var hx5 = RsuF(Pool(hx4), 64, 16, 64);
        var hx6 = RsuF(Pool(hx5), 64, 16, 64);

        // Decoder: each stage takes the one below upsampled and the encoder's skip, 128 channels in.
        var hx5d = RsuF(Concat(Upsample(hx6, 2), hx5), 128, 16, 64);
        var hx4d = Rsu(4, Concat(Upsample(hx5d, 2), hx4), 128, 16, 64);
        var hx3d = Rsu(5, Concat(Upsample(hx4d, 2), hx3), 128, 16, 64);
        var hx2d = Rsu(6, Concat(Upsample(hx3d, 2), hx2), 128, 16, 64);
        var hx1d = Rsu(7, Concat(Upsample(hx2d, 2), hx1), 128, 16, 64);

        // Side outputs at full size, fused by a 1 x 1 convolution; all seven through a sigmoid.
        string[] sides =
        [
            Conv(hx1d, 64, 1, 3, 1, relu: false),
            Upsample(Conv(hx2d, 64, 1, 3, 1, relu: false), 2),
            Upsample(Conv(hx3d, 64, 1, 3, 1, relu: false), 4),
            Upsample(Conv(hx4d, 64, 1, 3, 1, relu: false), 8),
            Upsample(Conv(hx5d, 64, 1, 3, 1, relu: false), 16),
            Upsample(Conv(hx6, 64, 1, 3, 1, relu: false), 32),
        ];
        var fused = Conv(Concat(sides), 6, 1, 1, 1, relu: false);
        string[] outputs = [fused, .. sides];
        for (var i = 0; i < outputs.Length; i++)
            _nodes.Add(OnnxProtoWriter.Node("Sigmoid", $"sigmoid{i}", [outputs[i]], [$"d{i}"]));

        foreach (var factor in new[] { 2, 4, 8, 16, 32 })
            _initializers.Add(OnnxProtoWriter.FloatTensor(ScalesName(factor), [4], [1f, 1f, factor, factor]));
        var graph = OnnxProtoWriter.Graph("u2netp", _nodes, _initializers,
            [OnnxProtoWriter.FloatValueInfo(InputName, "batch", 3L, "height", "width")],
            Enumerable.Range(0, 7).Select(i => OnnxProtoWriter.FloatValueInfo($"d{i}", "batch", 1L, "height", "width")));
        return OnnxProtoWriter.Model(OnnxTestModels.IrVersion, OnnxTestModels.Opset, graph, "segloop-testmodels");
    }

    /// <summary>
    /// RSU-L (L = 7, 6, 5, 4): an input convolution, an encoder of L - 1 levels with a pool after all but the last,
    /// a dilated (2) bottom level, a decoder that concatenates each level's skip and upsamples, and the input added back.
    /// </summary>
    private string Rsu(int height, string x, int inChannels, int mid, int outChannels)
    {
        var hxin = Conv(x, inChannels, outChannels);
        var encoder = new List<string> { Conv(hxin, outChannels, mid) };
        for (var level = 2; level < height; level++)
            encoder.Add(Conv(Pool(encoder[^1]), mid, mid));
        var hx = Conv(encoder[^1], mid, mid, dilation: 2);
        for (var level = height - 1; level >= 1; level--)
        {
            hx = Conv(Concat(hx, encoder[level - 1]), 2 * mid, level == 1 ? outChannels : mid);
            if (level > 1)
                hx = Upsample(hx, 2);
        }
        return Add(hx, hxin);
    }

    /// <summary>RSU-4F: no pooling; dilations 1, 2, 4, 8 down and 4, 2, 1 back up; the input added back.</summary>
    private string RsuF(string x, int inChannels, int mid, int outChannels)
    {
        var hxin = Conv(x, inChannels, outChannels);
        var hx1 = Conv(hxin, outChannels, mid);
        var hx2 = Conv(hx1, mid, mid, dilation: 2);
        var hx3 = Conv(hx2, mid, mid, dilation: 4);
        var hx4 = Conv(hx3, mid, mid, dilation: 8);
        var hx3d = Conv(Concat(hx4, hx3), 2 * mid, mid, dilation: 4);
        var hx2d = Conv(Concat(hx3d, hx2), 2 * mid, mid, dilation: 2);
        var hx1d = Conv(Concat(hx2d, hx1), 2 * mid, outChannels);
        return Add(hx1d, hxin);
    }

    /// <summary>REBNCONV (3 x 3 convolution, batch norm folded in, ReLU), or a plain convolution.</summary>
    private string Conv(string x, int inChannels, int outChannels, int kernel = 3, int dilation = 1, bool relu = true)
    {
        var name = Next("conv");
        // He-uniform weights: the activations stay in range through ReLUs and residual sums.
        var fanIn = inChannels * kernel * kernel;
        var bound = MathF.Sqrt(6f / fanIn);
        var weights = new float[outChannels * fanIn];
        for (var i = 0; i < weights.Length; i++)
            weights[i] = bound * ((2 * _random.NextSingle()) - 1);
        var bias = new float[outChannels];
        for (var i = 0; i < bias.Length; i++)
            bias[i] = 0.05f * ((2 * _random.NextSingle()) - 1);
        _parameters += weights.Length + bias.Length;
        var convolution = new Convolution(inChannels, outChannels, kernel, weights, bias);
        _nodes.Add(convolution.NodeProto(name, x, name + ".out", dilation));
        _initializers.AddRange(convolution.Initializers(name));
        if (!relu)
            return name + ".out";
        var activated = Next("relu");
        _nodes.Add(OnnxProtoWriter.Node("Relu", activated, [name + ".out"], [activated]));
        return activated;
    }

    private string Pool(string x)
    {
        var name = Next("pool");
        _nodes.Add(OnnxProtoWriter.Node("MaxPool", name, [x], [name],
            OnnxProtoWriter.IntsAttribute("kernel_shape", 2, 2),
            OnnxProtoWriter.IntsAttribute("strides", 2, 2),
            OnnxProtoWriter.IntAttribute("ceil_mode", 1)));
        return name;
    }

    /// <summary>Bilinear, half-pixel centres: PyTorch's <c>F.upsample(mode='bilinear')</c> as exported to ONNX.</summary>
    private string Upsample(string x, int factor)
    {
        var name = Next("up");
        _nodes.Add(OnnxProtoWriter.Node("Resize", name, [x, "", ScalesName(factor)], [name],
            OnnxProtoWriter.StringAttribute("mode", "linear"),
            OnnxProtoWriter.StringAttribute("coordinate_transformation_mode", "half_pixel")));
        return name;
    }

    private string Concat(params string[] inputs)
    {
        var name = Next("cat");
        _nodes.Add(OnnxProtoWriter.Node("Concat", name, inputs, [name], OnnxProtoWriter.IntAttribute("axis", 1)));
        return name;
    }

    private string Add(string a, string b)
    {
        var name = Next("add");
        _nodes.Add(OnnxProtoWriter.Node("Add", name, [a, b], [name]));
        return name;
    }

    private static string ScalesName(int factor) => $"scales_x{factor}";

    private string Next(string kind) => $"{kind}{_counter++}";
}
