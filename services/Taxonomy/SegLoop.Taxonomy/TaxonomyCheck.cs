namespace SegLoop.Taxonomy;

/// <summary>The outcome of `segloop taxonomy check FILE`.</summary>
public sealed record TaxonomyCheckReport(string Source, IReadOnlyList<TaxonomyProblem> Problems, int ClassCount, int OverrideCount, string? Version)
{
    public bool HasErrors => Problems.Any(p => p.Severity == TaxonomyProblemSeverity.Error);

    /// <summary>0 when the file would load (warnings allowed), 1 when it has errors.</summary>
    public int ExitCode => HasErrors ? 1 : 0;
}

/// <summary>
/// `segloop taxonomy check FILE`: everything that would stop a taxonomy file from loading (malformed YAML,
/// duplicate ids or names, synonym clashes, overrides pointing at unknown classes or clashing) as errors,
/// and suspicious but loadable settings (a class both background and approved) as warnings.
/// </summary>
public static class TaxonomyCheck
{
    public static TaxonomyCheckReport CheckFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new TaxonomyCheckReport(path, [new(TaxonomyProblemSeverity.Error, "file", $"cannot read '{path}': {e.Message}")], 0, 0, null);
        }
        return CheckText(text, path);
    }

    public static TaxonomyCheckReport CheckText(string yaml, string source)
    {
        TaxonomyFile file;
        try
        {
            file = TaxonomyFile.Parse(yaml);
        }
        catch (TaxonomyException e)
        {
            return new TaxonomyCheckReport(source, e.Problems, 0, 0, null);
        }
        var problems = TaxonomyValidator.Validate(file);
        var version = problems.Any(p => p.Severity == TaxonomyProblemSeverity.Error) ? null : CommonTaxonomy.Parse(yaml).Version;
        return new TaxonomyCheckReport(source, problems, file.Classes.Count, file.Overrides.Count, version);
    }
}
