using Microsoft.Extensions.Logging;

namespace SegLoop.ModelRuntime;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Model {Model} loaded on {ExecutionProvider} (ONNX Runtime {RuntimeVersion}; requested {Requested})")]
    public static partial void ModelLoaded(ILogger logger, string model, string executionProvider, string runtimeVersion,
        ExecutionProviderKind requested);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Model {Model} runs on {ExecutionProvider}: CUDAExecutionProvider was requested but is unavailable ({Reason})")]
    public static partial void CudaFallback(ILogger logger, string model, string executionProvider, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Downloading model {Url} to {Destination}")]
    public static partial void Downloading(ILogger logger, Uri url, string destination);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Model {Destination} downloaded: {Bytes} bytes, sha256 {Sha256}")]
    public static partial void Downloaded(ILogger logger, string destination, long bytes, string sha256);
}
