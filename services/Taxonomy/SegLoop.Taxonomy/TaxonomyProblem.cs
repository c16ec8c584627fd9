namespace SegLoop.Taxonomy;

public enum TaxonomyProblemSeverity
{
    Warning,
    Error,
}

/// <summary>One thing wrong with a taxonomy file. <see cref="Code"/> is stable: yaml, no-classes, empty-name,
/// duplicate-id, duplicate-name, synonym-clash, background-approved, override-scope, duplicate-override,
/// unknown-override-target, override-clash.</summary>
public sealed record TaxonomyProblem(TaxonomyProblemSeverity Severity, string Code, string Message)
{
    public override string ToString() => $"{Severity.ToString().ToUpperInvariant()} {Code}: {Message}";
}

/// <summary>A taxonomy file that cannot be used; <see cref="Problems"/> lists every error found.</summary>
public sealed class TaxonomyException(IReadOnlyList<TaxonomyProblem> problems)
    : Exception("The taxonomy is not valid: " + string.Join("; ", problems))
{
    public IReadOnlyList<TaxonomyProblem> Problems { get; } = problems;
}
