using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SegLoop.ModelRuntime;

/// <summary>
/// One ONNX model in one shared <see cref="InferenceSession"/>, with the rules ONNX Runtime leaves to its callers:
/// session options and the execution provider come from <see cref="OnnxModelOptions"/>, and a CUDA request that
/// cannot be met falls back to CPU with one logged line; inputs are tensors over the caller's (pooled) memory, never
/// copied, checked against the model's declared inputs so a mistake names the input; a run's
/// <see cref="RunOptions.Terminate"/> is bound to its cancellation token; a file that is not a model is an
/// <see cref="InvalidModelException"/> naming it. <see cref="Run(ReadOnlySpan{TensorInput}, CancellationToken)"/> is
/// safe to call from many threads at once.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    public const string CpuExecutionProvider = "CPUExecutionProvider";
    public const string CudaExecutionProvider = "CUDAExecutionProvider";

    private readonly InferenceSession _session;
    private readonly string[] _outputNames;
    private int _disposed;
    // The owner's reference plus one per run in flight: the session is disposed when the last one is released, so
    // Dispose during a run (a model swapped out under load) never frees a session ONNX Runtime is still running.
    private int _references = 1;

    private OnnxModel(InferenceSession session, string name, string executionProvider)
    {
        _session = session;
        Name = name;
        ExecutionProvider = executionProvider;
        Inputs = session.InputNames.Select(n => ToModelIo(n, session.InputMetadata[n])).ToArray();
        Outputs = session.OutputNames.Select(n => ToModelIo(n, session.OutputMetadata[n])).ToArray();
        _outputNames = session.OutputNames.ToArray();
    }

    /// <summary>The model's file path, or the name given to a model loaded from bytes.</summary>
    public string Name { get; }

    /// <summary>The execution provider the session really uses: "CPUExecutionProvider" or "CUDAExecutionProvider".</summary>
    public string ExecutionProvider { get; }

    /// <summary>Version of the loaded ONNX Runtime library, e.g. "1.32.0".</summary>
    public string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    public IReadOnlyList<ModelIo> Inputs { get; }

    public IReadOnlyList<ModelIo> Outputs { get; }

    /// <summary>The library's session, for callers (benchmarks) that compare against a bare run.</summary>
    internal InferenceSession Session => _session;

    /// <summary>Loads a model file. Throws <see cref="FileNotFoundException"/> or <see cref="InvalidModelException"/>.</summary>
    public static OnnxModel FromFile(string path, OnnxModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"The model file '{fullPath}' does not exist.", fullPath);
        return Create(fullPath, options, logger, sessionOptions => new InferenceSession(fullPath, sessionOptions));
    }

    /// <summary>Loads a model from its serialized bytes. Throws <see cref="InvalidModelException"/> for bad bytes.</summary>
    public static OnnxModel FromBytes(ReadOnlyMemory<byte> model, OnnxModelOptions? options = null, ILogger? logger = null,
        string name = "(in-memory model)")
    {
        if (model.IsEmpty)
            throw new InvalidModelException(name, "the model is empty (0 bytes).");
        // The library takes a byte[]: the caller's array when the memory is one whole array, else a copy (a model is
        // loaded once per version, off the hot path).
        var bytes = MemoryMarshal.TryGetArray(model, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : model.ToArray();
        return Create(name, options, logger, sessionOptions => new InferenceSession(bytes, sessionOptions));
    }

    /// <summary>Runs a single-input model on <paramref name="input"/> (read in place) of the given shape.</summary>
    public ModelOutputs Run(Memory<float> input, TensorShape shape, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Inputs.Count != 1)
            throw new InvalidOperationException($"Model {Name} has {Inputs.Count} inputs; name each with a TensorInput.");
        ReadOnlySpan<TensorInput> inputs = [new TensorInput(Inputs[0].Name, input, shape)];
        return Run(inputs, cancellationToken);
    }

    /// <summary>
    /// Runs the model and returns every output; the caller disposes them. Each input is an <see cref="OrtValue"/> over
    /// the caller's memory (pinned for the run, not copied). An input whose name, element count, rank or fixed
    /// dimensions do not match the model throws <see cref="ArgumentException"/> naming it. Cancelling
    /// <paramref name="cancellationToken"/> sets the run's terminate flag, which ONNX Runtime checks between operators;
    /// the run then throws <see cref="OperationCanceledException"/>. Other failures are ONNX Runtime's
    /// <see cref="OnnxRuntimeException"/>.
    /// </summary>
    public ModelOutputs Run(ReadOnlySpan<TensorInput> inputs, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 || !TryAddReference(), this);
        var names = new string[inputs.Length];
        var values = new OrtValue[inputs.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                CheckInput(input);
                names[i] = input.Name;
                values[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.Data, input.Shape.ToArray());
            }

            using var runOptions = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                // Disposing the registration waits for a callback in flight, so Terminate is never set on a disposed RunOptions.
                using (cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions))
                    outputs = _session.Run(runOptions, names, values, _outputNames);
            }
            catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"The run of model {Name} was cancelled: {ex.Message}", ex, cancellationToken);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                // Cancelled after ONNX Runtime's last check of the terminate flag: the caller asked for cancellation, so
                // it gets that, not outputs it no longer wants.
                outputs.Dispose();
                throw new OperationCanceledException($"The run of model {Name} was cancelled while it ran.", cancellationToken);
            }
            return new ModelOutputs(_outputNames, outputs);
        }
        finally
        {
            foreach (var value in values)
                value?.Dispose();
            ReleaseReference();
        }
    }

    /// <summary>Disposes the session now, or when the last run in flight finishes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        ReleaseReference();
    }

    private bool TryAddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
                return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
                return true;
        }
    }

    private void ReleaseReference()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            _session.Dispose();
    }

    private void CheckInput(in TensorInput input)
    {
        ArgumentNullException.ThrowIfNull(input.Shape);
        ModelIo? declared = null;
        foreach (var io in Inputs)
        {
            if (string.Equals(io.Name, input.Name, StringComparison.Ordinal))
                declared = io;
        }
        if (declared is null)
        {
            throw new ArgumentException(
                $"Model {Name} has no input '{input.Name}'; its inputs are {string.Join(", ", Inputs.Select(i => i.Name))}.", nameof(input));
        }
        if (declared.ElementType != TensorElementType.Float)
            throw new ArgumentException($"Input '{input.Name}' of model {Name} takes {declared.ElementType}, not Float.", nameof(input));
        if (input.Shape.IsDynamic || input.Shape.ElementCount != input.Data.Length)
        {
            throw new ArgumentException(
                $"Input '{input.Name}' of model {Name}: shape {input.Shape} needs {(input.Shape.IsDynamic ? "fixed dimensions" : $"{input.Shape.ElementCount} values")}, the buffer holds {input.Data.Length}.",
                nameof(input));
        }
        var expected = declared.Shape;
        var matches = expected.Rank == input.Shape.Rank;
        for (var d = 0; matches && d < expected.Rank; d++)
            matches = expected[d] < 0 || expected[d] == input.Shape[d];
        if (!matches)
            throw new ArgumentException($"Input '{input.Name}' of model {Name} takes shape {expected}; got {input.Shape}.", nameof(input));
    }

    private static OnnxModel Create(string name, OnnxModelOptions? options, ILogger? logger,
        Func<SessionOptions, InferenceSession> createSession)
    {
        options ??= new OnnxModelOptions();
        logger ??= NullLogger.Instance;

        string? fallbackReason = null;
        if (options.ExecutionProvider == ExecutionProviderKind.Cuda)
        {
            if (!OrtEnv.Instance().GetAvailableProviders().Contains(CudaExecutionProvider))
            {
                fallbackReason = "this build carries the CPU-only ONNX Runtime; build with -p:OnnxRuntimeFlavour=Gpu";
            }
            else
            {
                using var cudaOptions = CreateSessionOptions(options);
                try
                {
                    using var cuda = new OrtCUDAProviderOptions();
                    cuda.UpdateOptions(new Dictionary<string, string>
                    {
                        ["device_id"] = options.CudaDeviceId.ToString(CultureInfo.InvariantCulture),
                    });
                    cudaOptions.AppendExecutionProvider_CUDA(cuda);
                    var cudaModel = Wrap(createSession(cudaOptions), name, CudaExecutionProvider);
                    Log.ModelLoaded(logger, name, CudaExecutionProvider, OrtEnv.Instance().GetVersionString(), options.ExecutionProvider);
                    return cudaModel;
                }
                catch (OnnxRuntimeException ex)
                {
                    // The GPU build without the CUDA 13 / cuDNN 9 libraries or without a device: the provider fails
                    // when appended or when the session initialises it. A model that is itself bad fails again below.
                    fallbackReason = OneLine(ex.Message);
                }
            }
        }

        using var sessionOptions = CreateSessionOptions(options);
        InferenceSession session;
        try
        {
            session = createSession(sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelException(name, ex);
        }
        var model = Wrap(session, name, CpuExecutionProvider);
        if (fallbackReason is not null)
            Log.CudaFallback(logger, name, CpuExecutionProvider, fallbackReason);
        else
            Log.ModelLoaded(logger, name, CpuExecutionProvider, OrtEnv.Instance().GetVersionString(), options.ExecutionProvider);
        return model;
    }

    private static OnnxModel Wrap(InferenceSession session, string name, string provider)
    {
        try
        {
            return new OnnxModel(session, name, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static SessionOptions CreateSessionOptions(OnnxModelOptions options)
    {
        var sessionOptions = new SessionOptions();
        try
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
            sessionOptions.GraphOptimizationLevel = options.GraphOptimization switch
            {
                GraphOptimization.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            sessionOptions.LogSeverityLevel = (OrtLoggingLevel)(int)options.LogLevel;
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    private static ModelIo ToModelIo(string name, NodeMetadata metadata) =>
        metadata.IsTensor
            ? new ModelIo(name, metadata.ElementDataType, new TensorShape(metadata.Dimensions.Select(d => d < 0 ? -1L : d).ToArray()))
            : new ModelIo(name, default, new TensorShape());

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
