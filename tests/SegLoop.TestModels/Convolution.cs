namespace SegLoop.TestModels;

/// <summary>A 2-D convolution layer (stride 1, zero "same" padding) with its weights, computed by hand in C#.</summary>
public sealed class Convolution
{
    public Convolution(int inChannels, int outChannels, int kernel, float[] weights, float[] bias)
    {
        if (kernel % 2 != 1)
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "odd kernels only (same padding)");
        if (weights.Length != outChannels * inChannels * kernel * kernel || bias.Length != outChannels)
            throw new ArgumentException("weights are OutChannels x InChannels x Kernel x Kernel and bias OutChannels long");
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Weights = weights;
        Bias = bias;
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int Kernel { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }
    public int Padding => Kernel / 2;

    /// <summary>Deterministic weights from a formula (no random generator), small enough that values stay bounded.</summary>
    public static Convolution Deterministic(int inChannels, int outChannels, int kernel, float seed, float scale)
    {
        var weights = new float[outChannels * inChannels * kernel * kernel];
        for (var i = 0; i < weights.Length; i++)
            weights[i] = scale * MathF.Sin(1.7f * i + seed);
        var bias = new float[outChannels];
        for (var o = 0; o < outChannels; o++)
            bias[o] = 0.1f * MathF.Cos(2.3f * o + seed);
        return new Convolution(inChannels, outChannels, kernel, weights, bias);
    }

    /// <summary>out[n,o,y,x] = bias[o] + sum over c, ky, kx of w[o,c,ky,kx] * in[n,c,y+ky-p,x+kx-p], zero outside.</summary>
    public float[] Apply(ReadOnlySpan<float> input, int batch, int height, int width)
    {
        if (input.Length != batch * InChannels * height * width)
            throw new ArgumentException($"input holds {input.Length} values, not {batch}x{InChannels}x{height}x{width}");
        var plane = height * width;
        var output = new float[batch * OutChannels * plane];
        var p = Padding;
        for (var n = 0; n < batch; n++)
        for (var o = 0; o < OutChannels; o++)
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            double sum = Bias[o];
            for (var c = 0; c < InChannels; c++)
            {
                var inBase = (n * InChannels + c) * plane;
                var wBase = (o * InChannels + c) * Kernel * Kernel;
                for (var ky = 0; ky < Kernel; ky++)
                {
                    var iy = y + ky - p;
                    if (iy < 0 || iy >= height)
                        continue;
                    for (var kx = 0; kx < Kernel; kx++)
                    {
                        var ix = x + kx - p;
                        if (ix < 0 || ix >= width)
                            continue;
                        sum += (double)Weights[wBase + ky * Kernel + kx] * input[inBase + iy * width + ix];
                    }
                }
            }
            output[(n * OutChannels + o) * plane + y * width + x] = (float)sum;
        }
        return output;
    }

    /// <summary>The Conv node; a dilated one (<see cref="Apply"/> computes dilation 1 only) keeps H x W with padding p x dilation.</summary>
    internal byte[] NodeProto(string name, string input, string output, int dilation = 1) =>
        OnnxProtoWriter.Node("Conv", name, [input, name + ".weight", name + ".bias"], [output],
            OnnxProtoWriter.IntsAttribute("kernel_shape", Kernel, Kernel),
            OnnxProtoWriter.IntsAttribute("pads", Padding * dilation, Padding * dilation, Padding * dilation, Padding * dilation),
            OnnxProtoWriter.IntsAttribute("dilations", dilation, dilation),
            OnnxProtoWriter.IntsAttribute("strides", 1, 1));

    internal IEnumerable<byte[]> Initializers(string name) =>
    [
        OnnxProtoWriter.FloatTensor(name + ".weight", [OutChannels, InChannels, Kernel, Kernel], Weights),
        OnnxProtoWriter.FloatTensor(name + ".bias", [OutChannels], Bias),
    ];
}
