namespace SegLoop.ModelRuntime;

/// <summary>ONNX Runtime's error codes (OrtErrorCode in onnxruntime_c_api.h).</summary>
public enum OnnxRuntimeErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    ExecutionProviderFail = 11,
}

/// <summary>A call into ONNX Runtime failed; carries ORT's own error code and message.</summary>
public class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(OnnxRuntimeErrorCode errorCode, string message)
        : base($"ONNX Runtime error {errorCode}: {message}")
    {
        ErrorCode = errorCode;
        NativeMessage = message;
    }

    public OnnxRuntimeException(OnnxRuntimeErrorCode errorCode, string message, Exception innerException)
        : base($"ONNX Runtime error {errorCode}: {message}", innerException)
    {
        ErrorCode = errorCode;
        NativeMessage = message;
    }

    public OnnxRuntimeErrorCode ErrorCode { get; }

    /// <summary>The message exactly as ONNX Runtime wrote it.</summary>
    public string NativeMessage { get; }
}

/// <summary>The ONNX Runtime native library is missing or is not a usable ONNX Runtime.</summary>
public sealed class OnnxRuntimeNotFoundException : Exception
{
    public OnnxRuntimeNotFoundException(string libraryPath, string message)
        : base(message) => LibraryPath = libraryPath;

    public OnnxRuntimeNotFoundException(string libraryPath, string message, Exception innerException)
        : base(message, innerException) => LibraryPath = libraryPath;

    public string LibraryPath { get; }
}

/// <summary>A model file or byte array that ONNX Runtime refused to load; names the model.</summary>
public sealed class InvalidModelException : OnnxRuntimeException
{
    public InvalidModelException(string model, OnnxRuntimeException inner)
        : base(inner.ErrorCode, $"the model {model} could not be loaded: {inner.NativeMessage}", inner)
    {
        Model = model;
    }

    public string Model { get; }
}
