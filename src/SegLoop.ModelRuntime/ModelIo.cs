using Microsoft.ML.OnnxRuntime.Tensors;

namespace SegLoop.ModelRuntime;

/// <summary>
/// One input or output of a model, in the model's order: its name, element type (0 when it is not a tensor) and shape
/// with -1 for every dynamic dimension (the library's <c>NodeMetadata</c> spreads these over a dictionary, an int
/// array and symbolic names).
/// </summary>
public sealed record ModelIo(string Name, TensorElementType ElementType, TensorShape Shape)
{
    public override string ToString() => $"{Name}: {ElementType}{Shape}";
}

/// <summary>A float tensor input over caller-owned (typically pooled) memory; pinned for the run, never copied.</summary>
public readonly record struct TensorInput(string Name, Memory<float> Data, TensorShape Shape);
