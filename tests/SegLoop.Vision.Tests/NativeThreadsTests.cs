namespace SegLoop.Vision.Tests;

public sealed class NativeThreadsTests
{
    [Fact]
    public void OpenCv_OnceTheShimIsLoaded_RunsEachCallOnItsCallersThread()
    {
        _ = MaskOps.ConnectedComponents(Mask.FromBytes(2, 2, [1, 0, 0, 1])); // loads the shim if nothing has yet

        NativeStatus.Check(NativeMethods.sl_parallel_for_threads(out var threads));

        Assert.Equal(1, threads);
    }
}
