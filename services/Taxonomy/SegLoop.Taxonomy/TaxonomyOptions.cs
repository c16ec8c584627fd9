using System.ComponentModel.DataAnnotations;

namespace SegLoop.Taxonomy;

/// <summary>Settings under "Taxonomy".</summary>
public sealed class TaxonomyOptions : IValidatableObject
{
    public const string SectionName = "Taxonomy";

    /// <summary>
    /// Taxonomy:Path: the operator's taxonomy YAML. Unset: the default shipped in the service (embedded
    /// Taxonomy/common.yaml), which never reloads. Set: the file must exist at start and is re-read every
    /// <see cref="ReloadInterval"/>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>Taxonomy:ReloadInterval: how often the file is checked for changes (00:00:00.1 to 01:00:00, default 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00", ErrorMessage = "Taxonomy:ReloadInterval must be between 00:00:00.1 and 01:00:00.")]
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Path is not null && !File.Exists(Path))
            yield return new ValidationResult($"Taxonomy:Path '{Path}' does not exist or is not a file.", [nameof(Path)]);
    }
}
