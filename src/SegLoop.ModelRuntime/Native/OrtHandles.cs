using System.Runtime.InteropServices;

namespace SegLoop.ModelRuntime.Native;

// One sealed SafeHandle per native object. ReleaseHandle calls the matching OrtApi Release* function, which
// never fails and never throws (ORT's Release functions return void and accept null).

internal sealed unsafe class OrtEnvHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseEnv(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionOptionsHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseSession(handle);
        return true;
    }
}

internal sealed unsafe class OrtValueHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseValue(handle);
        return true;
    }
}

internal sealed unsafe class OrtRunOptionsHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseRunOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtMemoryInfoHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseMemoryInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtTypeInfoHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseTypeInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtCudaProviderOptionsHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OrtRuntime.Api.ReleaseCUDAProviderOptions(handle);
        return true;
    }
}

/// <summary>A UTF-8 string that ORT allocated with the default allocator (names); freed with that allocator.</summary>
internal sealed unsafe class OrtAllocatedStringHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public string Read() => Marshal.PtrToStringUTF8(handle) ?? string.Empty;

    protected override bool ReleaseHandle()
    {
        var status = OrtRuntime.Api.AllocatorFree(OrtRuntime.DefaultAllocator, (void*)handle);
        if (status != 0)
            OrtRuntime.Api.ReleaseStatus(status);
        return status == 0;
    }
}
