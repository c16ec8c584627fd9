using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.ModelRuntime.Native;

namespace SegLoop.ModelRuntime;

/// <summary>
/// One ONNX model loaded into one ONNX Runtime session. Share it: <see cref="Run(ReadOnlySpan{TensorInput}, CancellationToken)"/>
/// is safe to call from many threads at once (ORT sessions allow concurrent runs). Inputs are read in place from
/// managed memory; outputs are allocated by ORT and owned by the returned <see cref="ModelOutputs"/>.
/// </summary>
public sealed unsafe class OnnxModel : IDisposable
{
    public const string CpuExecutionProvider = "CPUExecutionProvider";
    public const string CudaExecutionProvider = "CUDAExecutionProvider";

    private readonly OrtApi api;
    private readonly OrtSessionHandle session;
    private readonly byte[][] inputNames;   // UTF-8, NUL-terminated, on the pinned object heap
    private readonly byte[][] outputNames;
    private readonly string[] outputNameStrings;
    private int disposed;

    private OnnxModel(OrtApi api, OrtSessionHandle session, string name, string executionProvider)
    {
        this.api = api;
        this.session = session;
        Name = name;
        ExecutionProvider = executionProvider;
        Inputs = ReadIo(isInput: true);
        Outputs = ReadIo(isInput: false);
        inputNames = Inputs.Select(i => PinnedUtf8(i.Name)).ToArray();
        outputNames = Outputs.Select(o => PinnedUtf8(o.Name)).ToArray();
        outputNameStrings = Outputs.Select(o => o.Name).ToArray();
    }

    /// <summary>The model's file path, or the name given to a model loaded from bytes.</summary>
    public string Name { get; }

    /// <summary>The execution provider the session was created with: "CPUExecutionProvider" or "CUDAExecutionProvider".</summary>
    public string ExecutionProvider { get; }

    /// <summary>Version of the loaded ONNX Runtime library, e.g. "1.30.0".</summary>
    public string RuntimeVersion => api.VersionString;

    public IReadOnlyList<ModelIo> Inputs { get; }

    public IReadOnlyList<ModelIo> Outputs { get; }

    /// <summary>Loads a model file. Throws <see cref="FileNotFoundException"/> or <see cref="InvalidModelException"/>.</summary>
    public static OnnxModel FromFile(string path, OnnxModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"The model file '{fullPath}' does not exist.", fullPath);
        var pathUtf8 = Encoding.UTF8.GetBytes(fullPath + "\0");
        return Create(fullPath, options, logger, (api, env, sessionOptions) =>
        {
            nint session;
            fixed (byte* p = pathUtf8)
                api.Check(api.CreateSession(env, p, sessionOptions, &session));
            return session;
        });
    }

    /// <summary>Loads a model from its serialized bytes. Throws <see cref="InvalidModelException"/> for bad bytes.</summary>
    public static OnnxModel FromBytes(ReadOnlyMemory<byte> model, OnnxModelOptions? options = null, ILogger? logger = null,
        string name = "(in-memory model)")
    {
        if (model.IsEmpty)
            throw new InvalidModelException(name, new OnnxRuntimeException(OnnxRuntimeErrorCode.InvalidProtobuf, "the model is empty (0 bytes)."));
        return Create(name, options, logger, (api, env, sessionOptions) =>
        {
            nint session;
            using var pin = model.Pin();
            api.Check(api.CreateSessionFromArray(env, pin.Pointer, (nuint)model.Length, sessionOptions, &session));
            return session;
        });
    }

    /// <summary>Runs a single-input model on <paramref name="input"/> (read in place) of the given shape.</summary>
    public ModelOutputs Run(Memory<float> input, TensorShape shape, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (Inputs.Count != 1)
            throw new InvalidOperationException($"Model {Name} has {Inputs.Count} inputs; name each with a TensorInput.");
        ReadOnlySpan<TensorInput> inputs = [new TensorInput(Inputs[0].Name, input, shape)];
        return Run(inputs, cancellationToken);
    }

    /// <summary>
    /// Runs the model and returns every output. Cancelling <paramref name="cancellationToken"/> sets ORT's terminate
    /// flag, which stops the run between operators; the run then throws <see cref="OperationCanceledException"/>.
    /// Shape or type errors come back as <see cref="OnnxRuntimeException"/> with ORT's message.
    /// </summary>
    public ModelOutputs Run(ReadOnlySpan<TensorInput> inputs, CancellationToken cancellationToken = default) =>
        Run(inputs, cancellationToken, out _);

    /// <summary>As <see cref="Run(ReadOnlySpan{TensorInput}, CancellationToken)"/>, also reporting the Stopwatch ticks spent inside OrtApi::Run.</summary>
    internal ModelOutputs Run(ReadOnlySpan<TensorInput> inputs, CancellationToken cancellationToken, out long nativeRunTicks)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var count = inputs.Length;
        var namePointers = stackalloc byte*[count];
        var valuePointers = stackalloc nint[count];
        var outputCount = outputNames.Length;
        var outputNamePointers = stackalloc byte*[outputCount];
        var outputValues = stackalloc nint[outputCount];
        for (var o = 0; o < outputCount; o++)
        {
            outputNamePointers[o] = PointerTo(outputNames[o]);
            outputValues[o] = 0;
        }

        var pins = new MemoryHandle[count];
        var values = new OrtValueHandle[count];
        var sessionAddRef = false;
        var runOptions = new OrtRunOptionsHandle();
        try
        {
            session.DangerousAddRef(ref sessionAddRef);
            for (var i = 0; i < count; i++)
            {
                var input = inputs[i];
                namePointers[i] = PointerTo(inputNames[IndexOfInput(input.Name)]);
                ArgumentNullException.ThrowIfNull(input.Shape);
                pins[i] = input.Data.Pin();
                values[i] = CreateTensor(pins[i].Pointer, input.Data.Length, input.Shape);
                valuePointers[i] = values[i].DangerousGetHandle();
            }

            nint runOptionsPtr;
            api.Check(api.CreateRunOptions(&runOptionsPtr));
            Marshal.InitHandle(runOptions, runOptionsPtr);

            nint status;
            var started = Stopwatch.GetTimestamp();
            // Disposing the registration waits for a callback in flight, so the terminate call never outlives runOptions.
            using (cancellationToken.Register(static state => Terminate((OrtRunOptionsHandle)state!), runOptions))
            {
                status = api.Run(session.DangerousGetHandle(), runOptionsPtr, namePointers, valuePointers, (nuint)count,
                    outputNamePointers, (nuint)outputCount, outputValues);
            }
            nativeRunTicks = Stopwatch.GetTimestamp() - started;

            if (status != 0)
            {
                var error = api.ToException(status);
                for (var o = 0; o < outputCount; o++)
                    api.ReleaseValue(outputValues[o]);
                if (cancellationToken.IsCancellationRequested)
                    throw new OperationCanceledException($"The run of model {Name} was cancelled: {error.NativeMessage}", error, cancellationToken);
                throw error;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                // Cancelled after ONNX Runtime's last check of the terminate flag (it checks between nodes): the caller
                // asked for cancellation, so it gets that, not outputs it no longer wants.
                for (var o = 0; o < outputCount; o++)
                    api.ReleaseValue(outputValues[o]);
                throw new OperationCanceledException($"The run of model {Name} was cancelled while it ran.", cancellationToken);
            }

            var outputs = new OrtValueHandle[outputCount];
            for (var o = 0; o < outputCount; o++)
            {
                outputs[o] = new OrtValueHandle();
                Marshal.InitHandle(outputs[o], outputValues[o]);
            }
            try
            {
                return new ModelOutputs(outputNameStrings, outputs);
            }
            catch
            {
                foreach (var output in outputs)
                    output.Dispose();
                throw;
            }
        }
        finally
        {
            runOptions.Dispose();
            foreach (var value in values)
                value?.Dispose();
            foreach (var pin in pins)
                pin.Dispose();
            if (sessionAddRef)
                session.DangerousRelease();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        // A run in flight holds a reference: the session is released when the last one finishes.
        session.Dispose();
    }

    internal static (TensorElementType Type, TensorShape Shape) ReadTensorInfoOfValue(OrtApi api, nint value)
    {
        nint info;
        api.Check(api.GetTensorTypeAndShape(value, &info));
        try
        {
            return ReadTensorInfo(api, info);
        }
        finally
        {
            api.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    private static (TensorElementType Type, TensorShape Shape) ReadTensorInfo(OrtApi api, nint tensorInfo)
    {
        int elementType;
        api.Check(api.GetTensorElementType(tensorInfo, &elementType));
        nuint rank;
        api.Check(api.GetDimensionsCount(tensorInfo, &rank));
        var dims = new long[(int)rank];
        fixed (long* d = dims)
            api.Check(api.GetDimensions(tensorInfo, d, rank));
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0)
                dims[i] = -1;
        }
        return ((TensorElementType)elementType, new TensorShape(dims));
    }

    private static OnnxModel Create(string name, OnnxModelOptions? options, ILogger? logger,
        Func<OrtApi, nint, nint, nint> createSession)
    {
        options ??= new OnnxModelOptions();
        logger ??= NullLogger.Instance;
        var api = OrtRuntime.Initialize(options.LibraryPath, options.LogLevel);

        using var sessionOptions = new OrtSessionOptionsHandle();
        nint so;
        api.Check(api.CreateSessionOptions(&so));
        Marshal.InitHandle(sessionOptions, so);
        api.Check(api.SetIntraOpNumThreads(so, options.IntraOpThreads));
        fixed (byte* key = "session.intra_op.allow_spinning\0"u8)
        fixed (byte* value = options.AllowSpinning ? "1\0"u8 : "0\0"u8)
            api.Check(api.AddSessionConfigEntry(so, key, value));
        api.Check(api.SetSessionGraphOptimizationLevel(so, (int)options.GraphOptimization));

        var provider = CpuExecutionProvider;
        string? fallbackReason = null;
        if (options.ExecutionProvider == ExecutionProviderKind.Cuda)
        {
            fallbackReason = TryAppendCuda(api, so, options.CudaDeviceId);
            if (fallbackReason is null)
                provider = CudaExecutionProvider;
        }

        var session = new OrtSessionHandle();
        try
        {
            Marshal.InitHandle(session, createSession(api, OrtRuntime.Env.DangerousGetHandle(), so));
        }
        catch (OnnxRuntimeException ex)
        {
            session.Dispose();
            throw new InvalidModelException(name, ex);
        }

        try
        {
            var model = new OnnxModel(api, session, name, provider);
            if (fallbackReason is not null)
                Log.CudaFallback(logger, name, provider, fallbackReason);
            else
                Log.ModelLoaded(logger, name, provider, api.VersionString, options.ExecutionProvider);
            return model;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Appends the CUDA provider through the opaque V2 options; returns why not, or null on success.</summary>
    private static string? TryAppendCuda(OrtApi api, nint sessionOptions, int deviceId)
    {
        nint cudaOptions;
        var status = api.CreateCUDAProviderOptions(&cudaOptions);
        if (status != 0)
            return api.ToException(status).NativeMessage;
        using var handle = new OrtCudaProviderOptionsHandle();
        Marshal.InitHandle(handle, cudaOptions);

        var key = "device_id\0"u8;
        var value = Encoding.ASCII.GetBytes(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0");
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keys = stackalloc byte*[1] { k };
            var values = stackalloc byte*[1] { v };
            status = api.UpdateCUDAProviderOptions(cudaOptions, keys, values, 1);
        }
        if (status != 0)
            return api.ToException(status).NativeMessage;

        status = api.SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, cudaOptions);
        return status != 0 ? api.ToException(status).NativeMessage : null;
    }

    private static void Terminate(OrtRunOptionsHandle runOptions)
    {
        var api = OrtRuntime.Api;
        var status = api.RunOptionsSetTerminate(runOptions.DangerousGetHandle());
        if (status != 0)
            api.ReleaseStatus(status);
    }

    private OrtValueHandle CreateTensor(void* data, int length, TensorShape shape)
    {
        var dims = shape.ToArray();
        var value = new OrtValueHandle();
        nint ptr;
        fixed (long* d = dims)
        {
            api.Check(api.CreateTensorWithDataAsOrtValue(OrtRuntime.CpuMemoryInfo.DangerousGetHandle(), data,
                (nuint)length * sizeof(float), d, (nuint)dims.Length, (int)TensorElementType.Float, &ptr));
        }
        Marshal.InitHandle(value, ptr);
        return value;
    }

    private int IndexOfInput(string name)
    {
        for (var i = 0; i < inputNames.Length; i++)
        {
            if (string.Equals(Inputs[i].Name, name, StringComparison.Ordinal))
                return i;
        }
        throw new ArgumentException(
            $"Model {Name} has no input '{name}'; its inputs are {string.Join(", ", Inputs.Select(i => i.Name))}.", nameof(name));
    }

    private ModelIo[] ReadIo(bool isInput)
    {
        var s = session.DangerousGetHandle();
        nuint count;
        api.Check(isInput ? api.SessionGetInputCount(s, &count) : api.SessionGetOutputCount(s, &count));
        var result = new ModelIo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            string name;
            using (var nameHandle = new OrtAllocatedStringHandle())
            {
                byte* namePtr;
                api.Check(isInput
                    ? api.SessionGetInputName(s, i, OrtRuntime.DefaultAllocator, &namePtr)
                    : api.SessionGetOutputName(s, i, OrtRuntime.DefaultAllocator, &namePtr));
                Marshal.InitHandle(nameHandle, (nint)namePtr);
                name = nameHandle.Read();
            }

            using var typeInfo = new OrtTypeInfoHandle();
            nint typeInfoPtr;
            api.Check(isInput
                ? api.SessionGetInputTypeInfo(s, i, &typeInfoPtr)
                : api.SessionGetOutputTypeInfo(s, i, &typeInfoPtr));
            Marshal.InitHandle(typeInfo, typeInfoPtr);
            nint tensorInfo; // owned by typeInfo; null when the value is not a tensor
            api.Check(api.CastTypeInfoToTensorInfo(typeInfoPtr, &tensorInfo));
            var (type, shape) = tensorInfo == 0 ? (TensorElementType.Undefined, new TensorShape()) : ReadTensorInfo(api, tensorInfo);
            result[(int)i] = new ModelIo(name, type, shape);
        }
        return result;
    }

    private static byte[] PinnedUtf8(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var bytes = GC.AllocateArray<byte>(byteCount + 1, pinned: true);
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static byte* PointerTo(byte[] pinned) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
