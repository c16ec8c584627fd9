using System.ComponentModel.DataAnnotations;

namespace SegLoop.Inference;

/// <summary>Settings under "Inference".</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>Inference:DefaultModel: registry name used when a request names none; unset: "isnet" when the registry has a promoted version of it, else "grabcut".</summary>
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,63}$", ErrorMessage = "must be a model name: lower-case letters, digits, '.', '_' or '-'.")]
    public string? DefaultModel { get; set; }

    /// <summary>Inference:Padding: fraction of the box side added on each side of a crop (0 to 1, default 0.15).</summary>
    [Range(0.0, 1.0)]
    public double Padding { get; set; } = 0.15;

    /// <summary>Inference:GrabCutIterations (1 to 50, default 5).</summary>
    [Range(1, 50)]
    public int GrabCutIterations { get; set; } = 5;

    /// <summary>Inference:ClickRadius: radius in pixels of the seed disk a click paints for GrabCut (0 to 50, default 3).</summary>
    [Range(0, 50)]
    public int ClickRadius { get; set; } = 3;

    /// <summary>Inference:MaxImagePixels: larger images are refused before decoding (default 100 M).</summary>
    [Range(1L, 1_000_000_000L)]
    public long MaxImagePixels { get; set; } = 100_000_000;

    /// <summary>Inference:ConcurrentMessageLimit: requests in flight per consumer (and its prefetch), so batches can fill (default 64).</summary>
    [Range(1, 4096)]
    public int ConcurrentMessageLimit { get; set; } = 64;

    public BatchingOptions Batching { get; set; } = new();
}

/// <summary>Settings under "Inference:Batching".</summary>
public sealed class BatchingOptions
{
    /// <summary>
    /// Inference:Batching:MaxBatch: most crops per model run (1 to 1024, default 4). On CPU a bigger batch is no
    /// faster and u2netp holds ~0.6 GB of activations per crop in a batch; on a GPU use 32.
    /// </summary>
    [Range(1, 1024)]
    public int MaxBatch { get; set; } = 4;

    /// <summary>Inference:Batching:MaxWaitMs: longest a crop waits for its batch to fill (0 to 10000, default 10).</summary>
    [Range(0, 10_000)]
    public int MaxWaitMs { get; set; } = 10;

    /// <summary>Inference:Batching:MaxConcurrentBatches: batches running at once (1 to 64, default 2).</summary>
    [Range(1, 64)]
    public int MaxConcurrentBatches { get; set; } = 2;
}
