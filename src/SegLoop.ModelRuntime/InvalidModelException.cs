using Microsoft.ML.OnnxRuntime;

namespace SegLoop.ModelRuntime;

/// <summary>A model file or byte array that ONNX Runtime refused to load; names the model. The library's error is the inner exception.</summary>
public sealed class InvalidModelException : Exception
{
    public InvalidModelException(string model, OnnxRuntimeException inner)
        : base($"The model {model} could not be loaded: {inner?.Message}", inner)
    {
        Model = model;
    }

    public InvalidModelException(string model, string reason)
        : base($"The model {model} could not be loaded: {reason}")
    {
        Model = model;
    }

    public string Model { get; }
}
