using System.ComponentModel.DataAnnotations;

namespace SegLoop.CropBuilder;

/// <summary>How crops are cut and datasets assembled, section <c>CropBuilder</c>.</summary>
public sealed class CropBuilderOptions : IValidatableObject
{
    public const string SectionName = "CropBuilder";

    /// <summary>Smallest padding per side, as a fraction of the box's width (left/right) or height (top/bottom).</summary>
    [Range(0.0, 10.0)]
    public double PaddingMin { get; set; } = 0.05;

    /// <summary>Largest padding per side (exclusive), as a fraction of the box size.</summary>
    [Range(0.0, 10.0)]
    public double PaddingMax { get; set; } = 0.25;

    /// <summary>Value of every channel where the crop window leaves the image.</summary>
    [Range(0, 255)]
    public int PadValue { get; set; }

    [Range(1, 100)]
    public int JpegQuality { get; set; } = 95;

    /// <summary>zlib effort for the mask PNGs: 0 stored, 1-3 fastest, 4-6 optimal, 7-9 smallest.</summary>
    [Range(0, 9)]
    public int PngCompression { get; set; } = 1;

    /// <summary>Objects with fewer set pixels are skipped as too-small.</summary>
    [Range(1, int.MaxValue)]
    public int MinArea { get; set; } = 64;

    /// <summary>Objects whose box has a side shorter than this are skipped as too-small.</summary>
    [Range(1, int.MaxValue)]
    public int MinSide { get; set; } = 4;

    /// <summary>Largest source image (width x height) decoded; larger ones are refused.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxImagePixels { get; set; } = 100_000_000;

    /// <summary>Source images processed at once per process (each holds its decoded image in memory).</summary>
    [Range(1, 256)]
    public int ConcurrentMessageLimit { get; set; } = 2;

    public DatasetOptions Dataset { get; set; } = new();

    public NightlyOptions Nightly { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PaddingMax < PaddingMin)
            yield return new ValidationResult($"PaddingMax ({PaddingMax}) must be at least PaddingMin ({PaddingMin}).", [nameof(PaddingMax)]);
    }
}

/// <summary>How a training set is assembled, section <c>CropBuilder:Dataset</c>.</summary>
public sealed class DatasetOptions : IValidatableObject
{
    /// <summary>Most crops of one class in a dataset, over all domains.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPerClass { get; set; } = 5000;

    /// <summary>Relative share of each domain within a class; domains not listed get <see cref="DefaultDomainWeight"/>.</summary>
    public Dictionary<string, double> DomainWeights { get; set; } = new(StringComparer.Ordinal);

    [Range(0.0, 1000.0)]
    public double DefaultDomainWeight { get; set; } = 1.0;

    /// <summary>Fraction of source images in train; val follows; the rest is test.</summary>
    [Range(0.0, 1.0)]
    public double TrainFraction { get; set; } = 0.8;

    [Range(0.0, 1.0)]
    public double ValFraction { get; set; } = 0.1;

    /// <summary>Key prefix datasets are written under: {prefix}/{date}/manifest.jsonl, stats.json, contact-sheet.html.</summary>
    [Required, MinLength(1)]
    public string OutputPrefix { get; set; } = "datasets";

    /// <summary>Only manifests of this taxonomy version; empty: every version found.</summary>
    public string? TaxonomyVersion { get; set; }

    /// <summary>Crops shown per class on the contact sheet.</summary>
    [Range(0, 100)]
    public int ContactSheetSamplesPerClass { get; set; } = 6;

    /// <summary>Longest side of a contact-sheet thumbnail, in pixels.</summary>
    [Range(16, 2048)]
    public int ContactSheetThumbnailSize { get; set; } = 180;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TrainFraction + ValFraction > 1.0 + 1e-9)
            yield return new ValidationResult($"TrainFraction + ValFraction ({TrainFraction} + {ValFraction}) must not exceed 1.", [nameof(ValFraction)]);
        foreach (var (domain, weight) in DomainWeights)
        {
            if (!(weight >= 0) || double.IsInfinity(weight))
                yield return new ValidationResult($"the weight of domain '{domain}' is {weight}; weights are finite and not negative.", [nameof(DomainWeights)]);
        }
    }
}

/// <summary>The nightly dataset build inside the service, section <c>CropBuilder:Nightly</c>.</summary>
public sealed class NightlyOptions
{
    public bool Enabled { get; set; }

    /// <summary>Time of day (UTC) the build runs, e.g. "02:30".</summary>
    public TimeOnly At { get; set; } = new(2, 0);
}
