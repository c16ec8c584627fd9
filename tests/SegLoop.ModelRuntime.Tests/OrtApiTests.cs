using System.Runtime.InteropServices;
using SegLoop.ModelRuntime.Native;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

/// <summary>
/// Checks the positions read from the OrtApi table by calling through them and checking what comes back: a wrong
/// index would call a different function and fail or crash here.
/// </summary>
public sealed unsafe class OrtApiTests
{
    private static OrtApi Api => OrtRuntime.Initialize(null, OnnxLogLevel.Warning);

    [Fact]
    public void CreateStatus_RoundTrip_GetErrorCodeAndMessageReturnWhatWasStored()
    {
        var api = Api;
        nint status;
        fixed (byte* message = "segloop status check\0"u8)
            status = api.CreateStatus((int)OnnxRuntimeErrorCode.InvalidGraph, message);   // 0

        Assert.NotEqual(0, status);
        Assert.Equal((int)OnnxRuntimeErrorCode.InvalidGraph, api.GetErrorCode(status));   // 1
        Assert.Equal("segloop status check", Marshal.PtrToStringUTF8((nint)api.GetErrorMessage(status))); // 2
        api.ReleaseStatus(status);                                                        // 93
    }

    [Fact]
    public void Check_ErrorStatus_ThrowsWithCodeAndMessage()
    {
        var api = Api;
        nint status;
        fixed (byte* message = "boom\0"u8)
            status = api.CreateStatus((int)OnnxRuntimeErrorCode.NoSuchFile, message);

        var ex = Assert.Throws<OnnxRuntimeException>(() => api.Check(status));

        Assert.Equal(OnnxRuntimeErrorCode.NoSuchFile, ex.ErrorCode);
        Assert.Equal("boom", ex.NativeMessage);
        Assert.Contains("NoSuchFile", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AvailableProviders_CpuBuild_ListsCpuProvider()
    {
        var providers = Api.AvailableProviders();                                         // 125, 126

        Assert.Contains("CPUExecutionProvider", providers);
        Assert.Equal("CPUExecutionProvider", providers[^1]);
    }

    [Fact]
    public void VersionString_SetupBuild_Is1_30_0()
    {
        Assert.Equal("1.30.0", Api.VersionString);
    }

    [Fact]
    public void SessionCounts_SaliencyNet_OneInputTwoOutputs()
    {
        using var model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx);   // 8, 30, 31, 33, 34, 36, 37

        Assert.Single(model.Inputs);
        Assert.Equal(2, model.Outputs.Count);
    }

    [Fact]
    public void Initialize_MissingLibrary_NamesPathAndSetupScript()
    {
        var path = Path.Combine(Path.GetTempPath(), "segloop-no-such-dir", "libonnxruntime.so.1");

        var ex = Assert.Throws<OnnxRuntimeNotFoundException>(() => OrtRuntime.Initialize(path, OnnxLogLevel.Warning));

        Assert.Equal(path, ex.LibraryPath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("./scripts/setup.sh", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_MissingLibraryOption_ThrowsNotFound()
    {
        var options = new OnnxModelOptions { LibraryPath = "/nonexistent/libonnxruntime.so" };

        var ex = Assert.Throws<OnnxRuntimeNotFoundException>(() => OnnxModel.FromBytes(SaliencyNetBytes, options));

        Assert.Contains("/nonexistent/libonnxruntime.so", ex.Message, StringComparison.Ordinal);
    }

    private static readonly byte[] SaliencyNetBytes = OnnxTestModels.SaliencyNet().Onnx;
}
