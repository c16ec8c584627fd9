using System.Numerics;
using SegLoop.ModelRuntime;
using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// A U2-Net-convention ONNX model: N x 3 x H x W in, first output N x 1 x H x W, min-max rescaled per sample,
/// resized back to the crop.
/// </summary>
internal sealed class OnnxBackend : CropBackend
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    private readonly OnnxModel model;
    private readonly OnnxPreprocessing preprocessing;
    private readonly string inputName;
    private readonly int outputIndex;

    public OnnxBackend(OnnxModel model, OnnxPreprocessing preprocessing, string name, string version)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(preprocessing);
        this.model = model;
        this.preprocessing = preprocessing;
        Model = name;
        Version = version;
        inputName = preprocessing.InputName ?? model.Inputs[0].Name;
        if (!model.Inputs.Any(i => i.Name == inputName))
            throw new ArgumentException($"model {name} has no input '{inputName}'", nameof(preprocessing));
        outputIndex = 0;
        if (preprocessing.OutputName is { } outputName)
        {
            outputIndex = model.Outputs.Select(o => o.Name).ToList().IndexOf(outputName);
            if (outputIndex < 0)
                throw new ArgumentException($"model {name} has no output '{outputName}'", nameof(preprocessing));
        }
    }

    public override string Model { get; }

    public override string Version { get; }

    public override bool UsesClickSeeds => false;

    public OnnxModel Session => model;

    public override CropInput Prepare(Image image, PreparedPrompt prompt)
    {
        // The crop stays BGR: resizing works per channel, and the tensor fill reads the channels in RGB order.
        using var crop = image.Crop(prompt.Window);
        int width, height, tensorWidth, tensorHeight;
        float[] tensor;
        if (preprocessing.Mode == PreprocessingMode.Rembg)
        {
            width = height = tensorWidth = tensorHeight = preprocessing.InputSize;
            using var resized = crop.Resize(width, height, Interpolation.Lanczos4);
            tensor = NormalizeBgr(resized.Pixels, width, height, tensorWidth, tensorHeight);
        }
        else
        {
            width = crop.Width;
            height = crop.Height;
            tensorWidth = RoundUp32(width);
            tensorHeight = RoundUp32(height);
            tensor = NormalizeBgr(crop.Pixels, width, height, tensorWidth, tensorHeight);
        }
        return new CropInput
        {
            Prompt = prompt,
            GroupKey = (tensorHeight, tensorWidth),
            Tensor = tensor,
            TensorWidth = tensorWidth,
            TensorHeight = tensorHeight,
        };
    }

    public override IReadOnlyList<CropProbabilities> Run(IReadOnlyList<CropInput> batch, CancellationToken cancellationToken)
    {
        var first = batch[0];
        var plane = first.TensorWidth * first.TensorHeight;
        var input = new float[batch.Count * 3 * plane];
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].TensorWidth != first.TensorWidth || batch[i].TensorHeight != first.TensorHeight)
                throw new ArgumentException("a batch mixes input sizes", nameof(batch));
            batch[i].Tensor.AsSpan().CopyTo(input.AsSpan(i * 3 * plane));
        }

        ReadOnlySpan<TensorInput> inputs = [new TensorInput(inputName, input, new TensorShape(batch.Count, 3, first.TensorHeight, first.TensorWidth))];
        using var outputs = model.Run(inputs, cancellationToken);
        var output = outputs.GetSpan(outputIndex);
        if (output.Length != batch.Count * plane)
            throw new InvalidOperationException(
                $"model {Model} output {outputs.GetName(outputIndex)} has shape {outputs.GetShape(outputIndex)}; expected {batch.Count} x 1 x {first.TensorHeight} x {first.TensorWidth}");

        var results = new CropProbabilities[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var window = batch[i].Prompt.Window;
            var validWidth = preprocessing.Mode == PreprocessingMode.Rembg ? first.TensorWidth : window.Width;
            var validHeight = preprocessing.Mode == PreprocessingMode.Rembg ? first.TensorHeight : window.Height;
            var sample = RescaleValid(output.Slice(i * plane, plane), first.TensorWidth, validWidth, validHeight);
            var resized = validWidth == window.Width && validHeight == window.Height
                ? sample
                : ResizeBilinear(sample, validWidth, validHeight, window.Width, window.Height);
            results[i] = new CropProbabilities(resized, window.Width, window.Height);
        }
        return results;
    }

    /// <summary>RGB bytes (width x height x 3) to a normalised 3 x tensorHeight x tensorWidth tensor, zero-padded.</summary>
    internal static float[] Normalize(ReadOnlySpan<byte> rgb, int width, int height, int tensorWidth, int tensorHeight) =>
        Fill(rgb, width, height, tensorWidth, tensorHeight, bgr: false);

    /// <summary>As <see cref="Normalize"/> from BGR bytes (OpenCV's order), so no RGB copy of the crop is needed.</summary>
    internal static float[] NormalizeBgr(ReadOnlySpan<byte> bgr, int width, int height, int tensorWidth, int tensorHeight) =>
        Fill(bgr, width, height, tensorWidth, tensorHeight, bgr: true);

    private static float[] Fill(ReadOnlySpan<byte> pixels, int width, int height, int tensorWidth, int tensorHeight, bool bgr)
    {
        var max = MaxByte(pixels);
        // rembg divides by the image's maximum; an all-black crop would divide by zero, so it is left at 0.
        var scale = max == 0 ? 0f : 1f / max;
        // A byte has 256 values: one table per tensor channel holds the exact value the per-pixel formula gives.
        Span<float> table = stackalloc float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
                table[(c * 256) + v] = ((v * scale) - Mean[c]) / Std[c];
        }
        var plane = tensorWidth * tensorHeight;
        var tensor = new float[3 * plane];
        // Tensor channel c (R, G, B) sits at byte offset c of an RGB pixel and 2 - c of a BGR one.
        var r = bgr ? 2 : 0;
        var b = bgr ? 0 : 2;
        var red = tensor.AsSpan(0, plane);
        var green = tensor.AsSpan(plane, plane);
        var blue = tensor.AsSpan(2 * plane, plane);
        var redTable = table[..256];
        var greenTable = table.Slice(256, 256);
        var blueTable = table.Slice(512, 256);
        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * width * 3, width * 3);
            var target = y * tensorWidth;
            for (var x = 0; x < width; x++)
            {
                var source = x * 3;
                red[target + x] = redTable[row[source + r]];
                green[target + x] = greenTable[row[source + 1]];
                blue[target + x] = blueTable[row[source + b]];
            }
        }
        return tensor;
    }

    private static byte MaxByte(ReadOnlySpan<byte> values)
    {
        var i = 0;
        var acc = Vector<byte>.Zero;
        for (; i <= values.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            acc = Vector.Max(acc, new Vector<byte>(values[i..]));
        byte max = 0;
        for (var k = 0; k < Vector<byte>.Count; k++)
            max = Math.Max(max, acc[k]);
        for (; i < values.Length; i++)
            max = Math.Max(max, values[i]);
        return max;
    }

    /// <summary>Min-max rescales the valid (top-left validWidth x validHeight) part of one output plane to [0, 1].</summary>
    internal static float[] RescaleValid(ReadOnlySpan<float> plane, int stride, int validWidth, int validHeight)
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        for (var y = 0; y < validHeight; y++)
        {
            foreach (var v in plane.Slice(y * stride, validWidth))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        var range = max - min;
        var result = new float[validWidth * validHeight];
        if (!(range > 0))
            return result;
        for (var y = 0; y < validHeight; y++)
        {
            var row = plane.Slice(y * stride, validWidth);
            for (var x = 0; x < validWidth; x++)
                result[(y * validWidth) + x] = (row[x] - min) / range;
        }
        return result;
    }

    /// <summary>Bilinear resize with pixel-centre alignment (OpenCV's INTER_LINEAR convention).</summary>
    internal static float[] ResizeBilinear(float[] source, int sourceWidth, int sourceHeight, int width, int height)
    {
        var result = new float[width * height];
        var scaleX = (double)sourceWidth / width;
        var scaleY = (double)sourceHeight / height;
        for (var y = 0; y < height; y++)
        {
            var sy = Math.Clamp(((y + 0.5) * scaleY) - 0.5, 0, sourceHeight - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, sourceHeight - 1);
            var fy = (float)(sy - y0);
            for (var x = 0; x < width; x++)
            {
                var sx = Math.Clamp(((x + 0.5) * scaleX) - 0.5, 0, sourceWidth - 1);
                var x0 = (int)sx;
                var x1 = Math.Min(x0 + 1, sourceWidth - 1);
                var fx = (float)(sx - x0);
                var top = source[(y0 * sourceWidth) + x0] + ((source[(y0 * sourceWidth) + x1] - source[(y0 * sourceWidth) + x0]) * fx);
                var bottom = source[(y1 * sourceWidth) + x0] + ((source[(y1 * sourceWidth) + x1] - source[(y1 * sourceWidth) + x0]) * fx);
                result[(y * width) + x] = top + ((bottom - top) * fy);
            }
        }
        return result;
    }

    private static int RoundUp32(int value) => (value + 31) / 32 * 32;
}
