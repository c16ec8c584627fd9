using System.Runtime.InteropServices;

namespace SegLoop.ModelRuntime.Native;

/// <summary>
/// The ONNX Runtime C API: the function pointers of <c>struct OrtApi</c> (onnxruntime_c_api.h), read by position
/// from the table that <c>OrtGetApiBase()-&gt;GetApi(version)</c> returns. The table is append-only across releases,
/// so an index, once published, never moves; each index below was counted in the header and checked against the
/// 1.30.0 library by calling it (see OrtApiTests). Every pointer is cdecl; an <c>OrtStatus*</c> of null is success.
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>API version requested from GetApi: the header the indices were counted in. 1.30.0 serves [1, 30].</summary>
    public const uint RequestedApiVersion = 13;

    // OrtStatus
    public readonly delegate* unmanaged[Cdecl]<int, byte*, nint> CreateStatus;                     // 0
    public readonly delegate* unmanaged[Cdecl]<nint, int> GetErrorCode;                            // 1
    public readonly delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;                       // 2
    // OrtEnv
    public readonly delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;                 // 3
    // OrtSession
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;      // 7
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray; // 8
    public readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run; // 9
    // OrtSessionOptions
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;                  // 10
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;  // 23
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;              // 24
    // Session introspection
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;           // 30
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;          // 31
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;  // 33
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo; // 34
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;  // 36
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName; // 37
    // OrtRunOptions
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateRunOptions;                      // 39
    public readonly delegate* unmanaged[Cdecl]<nint, nint> RunOptionsSetTerminate;                 // 46
    // OrtValue
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue; // 49
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> IsTensor;                         // 50
    public readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;           // 51
    // OrtTypeInfo / OrtTensorTypeAndShapeInfo
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;        // 55
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;             // 60
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;             // 61
    public readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;            // 62
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorShapeElementCount;     // 64
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;           // 65
    // OrtMemoryInfo / OrtAllocator
    public readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;         // 69
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;                   // 76
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;        // 78
    // Release functions
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;                             // 92
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;                          // 93
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;                      // 94
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;                         // 95
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;                           // 96
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseRunOptions;                      // 97
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;                        // 98
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;          // 99
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;                  // 100
    // Misc
    public readonly delegate* unmanaged[Cdecl]<byte***, int*, nint> GetAvailableProviders;         // 125
    public readonly delegate* unmanaged[Cdecl]<byte**, int, nint> ReleaseAvailableProviders;       // 126
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint> AddSessionConfigEntry;    // 130
    // CUDA execution provider (opaque V2 options, since 1.11)
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2; // 204
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateCUDAProviderOptions;             // 205
    public readonly delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions; // 206
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseCUDAProviderOptions;             // 208

    public OrtApi(void** table, string versionString)
    {
        ArgumentNullException.ThrowIfNull(table);
        VersionString = versionString;
        CreateStatus = (delegate* unmanaged[Cdecl]<int, byte*, nint>)table[0];
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)table[1];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, byte*>)table[2];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)table[3];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)table[7];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)table[8];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)table[9];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[10];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[23];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[24];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[30];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[31];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)table[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)table[34];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)table[36];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)table[37];
        CreateRunOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[39];
        RunOptionsSetTerminate = (delegate* unmanaged[Cdecl]<nint, nint>)table[46];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)table[49];
        IsTensor = (delegate* unmanaged[Cdecl]<nint, int*, nint>)table[50];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)table[51];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)table[55];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)table[60];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[61];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)table[62];
        GetTensorShapeElementCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[64];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)table[65];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)table[69];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, void*, nint>)table[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[78];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)table[92];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)table[93];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[94];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)table[95];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)table[96];
        ReleaseRunOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[97];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[99];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[100];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, nint>)table[125];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, nint>)table[126];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)table[130];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<nint, nint, nint>)table[204];
        CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)table[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[208];
    }

    /// <summary>OrtApiBase::GetVersionString of the loaded library, e.g. "1.30.0".</summary>
    public string VersionString { get; }

    /// <summary>Turns a non-null OrtStatus* into an <see cref="OnnxRuntimeException"/> and releases the status.</summary>
    public void Check(nint status)
    {
        if (status != 0)
            throw ToException(status);
    }

    /// <summary>Reads code and message of a non-null status, releases it, and returns the managed exception.</summary>
    public OnnxRuntimeException ToException(nint status)
    {
        var code = (OnnxRuntimeErrorCode)GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? string.Empty;
        ReleaseStatus(status);
        return new OnnxRuntimeException(code, message.TrimEnd());
    }

    /// <summary>Execution providers compiled into the library, e.g. ["CUDAExecutionProvider", "CPUExecutionProvider"].</summary>
    public IReadOnlyList<string> AvailableProviders()
    {
        byte** names;
        int count;
        Check(GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
                result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
            return result;
        }
        finally
        {
            Check(ReleaseAvailableProviders(names, count));
        }
    }
}
