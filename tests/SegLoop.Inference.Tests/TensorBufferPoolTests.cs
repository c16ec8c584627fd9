using SegLoop.Inference.Backends;

namespace SegLoop.Inference.Tests;

public sealed class TensorBufferPoolTests
{
    [Fact]
    public void Rent_AfterALargerRequest_AllocatesTheLargerSizeSoTheBufferServesEveryBatch()
    {
        var pool = new TensorBufferPool(capacity: 4);
        var full = pool.Rent(32);
        var partial = pool.Rent(28); // full is still out: a new buffer

        Assert.Equal(32, full.Length);
        Assert.Equal(32, partial.Length);
        pool.Return(partial);
        Assert.Same(partial, pool.Rent(32)); // reused, not dropped for being too small
    }

    [Fact]
    public void Rent_ReturnedBufferLargeEnough_IsReused()
    {
        var pool = new TensorBufferPool(capacity: 4);
        var first = pool.Rent(10);
        pool.Return(first);

        Assert.Same(first, pool.Rent(8));
    }

    [Fact]
    public void Return_PoolAtCapacity_LetsTheBufferGo()
    {
        var pool = new TensorBufferPool(capacity: 1);
        var a = pool.Rent(4);
        var b = pool.Rent(4);
        pool.Return(a);
        pool.Return(b);

        Assert.Same(a, pool.Rent(4));
        Assert.NotSame(b, pool.Rent(4));
    }
}
