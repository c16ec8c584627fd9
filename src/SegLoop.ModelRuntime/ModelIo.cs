namespace SegLoop.ModelRuntime;

/// <summary>ONNX tensor element types (ONNXTensorElementDataType / TensorProto.DataType).</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>One input or output of a model: its name, element type and shape (-1 for dynamic dimensions).</summary>
public sealed record ModelIo(string Name, TensorElementType ElementType, TensorShape Shape)
{
    public override string ToString() => $"{Name}: {ElementType}{Shape}";
}

/// <summary>A float tensor input over caller-owned memory; the memory is pinned for the run, never copied.</summary>
public readonly record struct TensorInput(string Name, Memory<float> Data, TensorShape Shape);
