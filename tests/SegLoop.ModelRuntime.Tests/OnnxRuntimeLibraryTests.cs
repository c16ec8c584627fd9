using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

/// <summary>
/// What the build carries: the ONNX Runtime the package ships, its providers, its errors, and what the model's
/// metadata says (the checks the hand-written binding of the native function table had, now through the library).
/// </summary>
public sealed class OnnxRuntimeLibraryTests
{
    [Fact]
    public void RuntimeVersion_PackageBuild_Is1_32_0()
    {
        using var model = OnnxModel.FromBytes(SaliencyNetBytes);

        Assert.Equal("1.32.0", model.RuntimeVersion);
    }

    [Fact]
    public void AvailableProviders_AnyFlavour_EndsWithCpuProvider()
    {
        var providers = OrtEnv.Instance().GetAvailableProviders();

        Assert.Equal(OnnxModel.CpuExecutionProvider, providers[^1]);
    }

    [Fact]
    public void SessionCounts_SaliencyNet_OneInputTwoOutputsInModelOrder()
    {
        using var model = OnnxModel.FromBytes(SaliencyNetBytes);

        var input = Assert.Single(model.Inputs);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal(["d0", "d1"], model.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void InvalidModel_OrtError_KeptAsInnerExceptionWithItsCode()
    {
        var ex = Assert.Throws<InvalidModelException>(() => OnnxModel.FromBytes("not a model"u8.ToArray(), name: "junk"));

        var inner = Assert.IsType<OnnxRuntimeException>(ex.InnerException);
        Assert.Contains("[ErrorCode:", inner.Message, StringComparison.Ordinal);
        Assert.Contains(inner.Message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outputs_AreTheLibrarysValues_ShapeAndTypeReadFromThem()
    {
        using var model = OnnxModel.FromBytes(SaliencyNetBytes);
        using var outputs = model.Run(new float[3 * 5 * 6], new TensorShape(1, 3, 5, 6));

        var value = outputs.GetValue(0);
        Assert.True(value.IsTensor);
        Assert.Equal([1L, 1, 5, 6], value.GetTensorTypeAndShape().Shape);
        Assert.Equal(TensorElementType.Float, outputs.GetElementType(0));
    }

    private static readonly byte[] SaliencyNetBytes = OnnxTestModels.SaliencyNet().Onnx;
}
