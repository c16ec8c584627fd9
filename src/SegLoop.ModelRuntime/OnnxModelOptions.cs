using System.ComponentModel.DataAnnotations;

namespace SegLoop.ModelRuntime;

/// <summary>Settings for loading ONNX models (section "ModelRuntime").</summary>
public sealed class OnnxModelOptions
{
    public const string SectionName = "ModelRuntime";

    /// <summary>Threads used inside one operator; 0 lets ONNX Runtime choose (one per physical core).</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Let idle intra-op threads spin waiting for work (ONNX Runtime's own default). Off by default here: a worker
    /// shares its cores with image decoding and postprocessing, which spinning threads would starve.
    /// </summary>
    public bool AllowSpinning { get; set; }

    public GraphOptimization GraphOptimization { get; set; } = GraphOptimization.All;

    /// <summary>
    /// Requested execution provider. CUDA needs the GPU build (-p:OnnxRuntimeFlavour=Gpu), the CUDA 13 / cuDNN 9
    /// libraries and a device; without them the model runs on CPU, with one warning when it loads.
    /// </summary>
    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Cpu;

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>Minimum severity ONNX Runtime itself logs (to stderr) for a model's session.</summary>
    public OnnxLogLevel LogLevel { get; set; } = OnnxLogLevel.Warning;

    /// <summary>A copy of these settings with <see cref="IntraOpThreads"/> replaced (every other setting carried over).</summary>
    public OnnxModelOptions WithIntraOpThreads(int threads)
    {
        var copy = (OnnxModelOptions)MemberwiseClone();
        copy.IntraOpThreads = threads;
        return copy;
    }
}

/// <summary>The library's GraphOptimizationLevel, under the names this setting has always taken.</summary>
public enum GraphOptimization
{
    None = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

public enum ExecutionProviderKind
{
    Cpu,
    Cuda,
}

/// <summary>The library's OrtLoggingLevel (same values), under the names this setting has always taken.</summary>
public enum OnnxLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
