using System.Runtime.InteropServices;

namespace SegLoop.ModelRuntime.Native;

/// <summary>
/// The process-wide ONNX Runtime: the native library (loaded once with <see cref="NativeLibrary"/>), its API
/// table, the one <c>OrtEnv</c> a process may have, the CPU memory description for tensors over managed memory,
/// and the default allocator. Initialised by the first model that loads; later loads must name the same library.
/// </summary>
internal static unsafe class OrtRuntime
{
    public const string LibraryPathVariable = "SEGLOOP_ONNXRUNTIME_PATH";
    public const string DefaultLibraryFileName = "libonnxruntime.so.1";

    private static readonly Lock Gate = new();
    private static OrtApi? api;
    private static string? loadedFrom;
    private static OrtEnvHandle? env;
    private static OrtMemoryInfoHandle? cpuMemoryInfo;
    private static nint defaultAllocator;

    /// <summary>The API table; valid once <see cref="Initialize"/> has run (every handle was made after it).</summary>
    public static OrtApi Api => api ?? throw new InvalidOperationException("ONNX Runtime is not initialised.");

    public static OrtEnvHandle Env => env ?? throw new InvalidOperationException("ONNX Runtime is not initialised.");

    public static OrtMemoryInfoHandle CpuMemoryInfo =>
        cpuMemoryInfo ?? throw new InvalidOperationException("ONNX Runtime is not initialised.");

    public static nint DefaultAllocator => defaultAllocator;

    public static string LoadedFrom => loadedFrom ?? throw new InvalidOperationException("ONNX Runtime is not initialised.");

    /// <summary>The library path to use: the option, else SEGLOOP_ONNXRUNTIME_PATH, else the copy beside the binaries.</summary>
    public static string ResolveLibraryPath(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return Path.GetFullPath(configured);
        var fromEnv = Environment.GetEnvironmentVariable(LibraryPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
            return Path.GetFullPath(fromEnv);
        return Path.Combine(AppContext.BaseDirectory, DefaultLibraryFileName);
    }

    /// <summary>Loads the library and creates the environment, once per process.</summary>
    public static OrtApi Initialize(string? configuredLibraryPath, OnnxLogLevel logLevel)
    {
        var path = ResolveLibraryPath(configuredLibraryPath);
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                throw new OnnxRuntimeNotFoundException(path,
                    $"The ONNX Runtime library was not found at '{path}'. Run ./scripts/setup.sh (it fetches " +
                    $"onnxruntime-node@1.30.0 into .tools/onnxruntime and the build copies it beside the binaries), " +
                    $"or point {OnnxModelOptions.SectionName}:{nameof(OnnxModelOptions.LibraryPath)} or " +
                    $"{LibraryPathVariable} at a libonnxruntime.so.");
            }

            if (env is not null)
            {
                if (!string.Equals(path, loadedFrom, StringComparison.Ordinal) && configuredLibraryPath is not null)
                {
                    throw new InvalidOperationException(
                        $"ONNX Runtime is already loaded from '{loadedFrom}'; a process can load one ONNX Runtime only, " +
                        $"so '{path}' cannot be used as well.");
                }
                return Api;
            }

            nint library;
            try
            {
                library = NativeLibrary.Load(path);
            }
            catch (DllNotFoundException ex)
            {
                throw new OnnxRuntimeNotFoundException(path,
                    $"The ONNX Runtime library at '{path}' could not be loaded ({ex.Message}). Run ./scripts/setup.sh " +
                    $"to fetch a fresh copy, or point {LibraryPathVariable} at a working libonnxruntime.so.", ex);
            }

            if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBaseExport))
            {
                throw new OnnxRuntimeNotFoundException(path,
                    $"'{path}' does not export OrtGetApiBase: it is not an ONNX Runtime library. Run ./scripts/setup.sh.");
            }

            // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
            var apiBase = ((delegate* unmanaged[Cdecl]<void**>)getApiBaseExport)();
            var getApi = (delegate* unmanaged[Cdecl]<uint, void**>)apiBase[0];
            var getVersionString = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
            var version = Marshal.PtrToStringUTF8((nint)getVersionString()) ?? "unknown";
            var table = getApi(OrtApi.RequestedApiVersion);
            if (table is null)
            {
                throw new OnnxRuntimeNotFoundException(path,
                    $"ONNX Runtime {version} at '{path}' does not serve C API version {OrtApi.RequestedApiVersion}; " +
                    "SegLoop needs ONNX Runtime 1.13 or newer (setup installs 1.30.0).");
            }

            // Set before the first handle exists: every ReleaseHandle goes through it.
            var created = api ?? new OrtApi(table, version);
            api = created;
            loadedFrom = path;

            var envHandle = new OrtEnvHandle();
            nint envPtr;
            fixed (byte* logId = "segloop\0"u8)
                created.Check(created.CreateEnv((int)logLevel, logId, &envPtr));
            Marshal.InitHandle(envHandle, envPtr);
            env = envHandle;

            var memoryInfo = new OrtMemoryInfoHandle();
            nint memoryInfoPtr;
            // OrtArenaAllocator = 1, OrtMemTypeDefault = 0: plain CPU memory, which is what managed arrays are.
            created.Check(created.CreateCpuMemoryInfo(1, 0, &memoryInfoPtr));
            Marshal.InitHandle(memoryInfo, memoryInfoPtr);
            cpuMemoryInfo = memoryInfo;

            nint allocator;
            created.Check(created.GetAllocatorWithDefaultOptions(&allocator));
            defaultAllocator = allocator;
            return created;
        }
    }
}
