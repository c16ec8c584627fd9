using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;

namespace SegLoop.Inference.Tests;

public sealed class ModelCatalogTests
{
    [Fact]
    public void SessionOptions_AutoThreads_DividesCoresAmongConcurrentBatches()
    {
        var configured = new OnnxModelOptions { GraphOptimization = GraphOptimization.Basic, LogLevel = OnnxLogLevel.Error };

        var options = ModelCatalog.SessionOptions(configured, maxConcurrentBatches: 2);

        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), options.IntraOpThreads);
        Assert.Equal(GraphOptimization.Basic, options.GraphOptimization);
        Assert.Equal(OnnxLogLevel.Error, options.LogLevel);
        Assert.Equal(0, configured.IntraOpThreads);
        Assert.Equal(1, ModelCatalog.SessionOptions(configured, maxConcurrentBatches: 4096).IntraOpThreads);
    }

    [Fact]
    public void SessionOptions_ExplicitThreads_Kept()
    {
        var configured = new OnnxModelOptions { IntraOpThreads = 3 };

        Assert.Same(configured, ModelCatalog.SessionOptions(configured, maxConcurrentBatches: 2));
    }
}
