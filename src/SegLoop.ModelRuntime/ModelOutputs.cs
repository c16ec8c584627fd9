using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SegLoop.ModelRuntime;

/// <summary>
/// The outputs of one run: the <see cref="OrtValue"/>s ONNX Runtime allocated, owned together and found by name
/// with an error that lists the outputs there are. Spans read the native memory in place and are valid until this
/// object is disposed; <see cref="ToArray(int)"/> copies into a managed array.
/// </summary>
public sealed class ModelOutputs : IDisposable
{
    private readonly string[] _names;
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;
    private readonly TensorShape[] _shapes;
    private readonly TensorElementType[] _elementTypes;
    private bool _disposed;

    internal ModelOutputs(string[] names, IDisposableReadOnlyCollection<OrtValue> values)
    {
        _names = names;
        _values = values;
        _shapes = new TensorShape[values.Count];
        _elementTypes = new TensorElementType[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (!values[i].IsTensor)
            {
                _shapes[i] = new TensorShape();
                continue;
            }
            var info = values[i].GetTensorTypeAndShape();
            _elementTypes[i] = info.ElementDataType;
            _shapes[i] = new TensorShape(info.Shape);
        }
    }

    public int Count => _names.Length;

    public string GetName(int index) => _names[index];

    public TensorShape GetShape(int index) => _shapes[index];

    public TensorElementType GetElementType(int index) => _elementTypes[index];

    /// <summary>The library's value for output <paramref name="index"/>; owned by this object.</summary>
    public OrtValue GetValue(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _values[index];
    }

    /// <summary>Index of the output called <paramref name="name"/>; throws naming the outputs there are.</summary>
    public int IndexOf(string name)
    {
        var index = Array.IndexOf(_names, name);
        return index >= 0
            ? index
            : throw new ArgumentException($"The model has no output '{name}'; its outputs are {string.Join(", ", _names)}.", nameof(name));
    }

    /// <summary>The float data of output <paramref name="index"/>, in place (no copy); valid until Dispose.</summary>
    public ReadOnlySpan<float> GetSpan(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_elementTypes[index] != TensorElementType.Float)
            throw new InvalidOperationException($"Output '{_names[index]}' holds {_elementTypes[index]}, not Float.");
        return _values[index].GetTensorDataAsSpan<float>();
    }

    public ReadOnlySpan<float> GetSpan(string name) => GetSpan(IndexOf(name));

    /// <summary>Copies output <paramref name="index"/> into a new managed array.</summary>
    public float[] ToArray(int index) => GetSpan(index).ToArray();

    public float[] ToArray(string name) => ToArray(IndexOf(name));

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _values.Dispose();
    }
}
