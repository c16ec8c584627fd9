using SegLoop.ModelRuntime.Native;

namespace SegLoop.ModelRuntime;

/// <summary>
/// The outputs of one run, owning the tensors ONNX Runtime allocated for them. Spans read the native memory in
/// place and are valid until this object is disposed; <see cref="ToArray"/> copies into a managed array.
/// </summary>
public sealed unsafe class ModelOutputs : IDisposable
{
    private readonly string[] names;
    private readonly OrtValueHandle[] values;
    private readonly TensorShape[] shapes;
    private readonly TensorElementType[] elementTypes;
    private readonly nint[] data;
    private bool disposed;

    internal ModelOutputs(string[] names, OrtValueHandle[] values)
    {
        this.names = names;
        this.values = values;
        shapes = new TensorShape[values.Length];
        elementTypes = new TensorElementType[values.Length];
        data = new nint[values.Length];
        var api = OrtRuntime.Api;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i].DangerousGetHandle();
            int isTensor;
            api.Check(api.IsTensor(value, &isTensor));
            if (isTensor == 0)
            {
                shapes[i] = new TensorShape();
                continue;
            }
            (elementTypes[i], shapes[i]) = OnnxModel.ReadTensorInfoOfValue(api, value);
            void* p;
            api.Check(api.GetTensorMutableData(value, &p));
            data[i] = (nint)p;
        }
    }

    public int Count => names.Length;

    public string GetName(int index) => names[index];

    public TensorShape GetShape(int index) => shapes[index];

    public TensorElementType GetElementType(int index) => elementTypes[index];

    /// <summary>Index of the output called <paramref name="name"/>; throws naming the outputs there are.</summary>
    public int IndexOf(string name)
    {
        var index = Array.IndexOf(names, name);
        return index >= 0
            ? index
            : throw new ArgumentException($"The model has no output '{name}'; its outputs are {string.Join(", ", names)}.", nameof(name));
    }

    /// <summary>The float data of output <paramref name="index"/>, in place (no copy); valid until Dispose.</summary>
    public ReadOnlySpan<float> GetSpan(int index)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (elementTypes[index] != TensorElementType.Float)
            throw new InvalidOperationException($"Output '{names[index]}' holds {elementTypes[index]}, not Float.");
        return new ReadOnlySpan<float>((void*)data[index], checked((int)shapes[index].ElementCount));
    }

    public ReadOnlySpan<float> GetSpan(string name) => GetSpan(IndexOf(name));

    /// <summary>Copies output <paramref name="index"/> into a new managed array.</summary>
    public float[] ToArray(int index) => GetSpan(index).ToArray();

    public float[] ToArray(string name) => ToArray(IndexOf(name));

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        foreach (var value in values)
            value.Dispose();
    }
}
