using Spectre.Console;

namespace SegLoop.Taxonomy.Cli;

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

    public static void Render(IAnsiConsole console, TaxonomyCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Problems.Count > 0)
        {
            var table = new Table().AddColumns("Severity", "Problem", "Details");
            foreach (var problem in report.Problems)
            {
                var severity = problem.Severity == TaxonomyProblemSeverity.Error ? "[red]error[/]" : "[yellow]warning[/]";
                table.AddRow(new Markup(severity), new Text(problem.Code), new Text(problem.Message));
            }
            console.Write(table);
        }
        var summary = report.HasErrors
            ? $"[red]{Markup.Escape(report.Source)}: {report.Problems.Count(p => p.Severity == TaxonomyProblemSeverity.Error)} error(s); the taxonomy would not load.[/]"
            : $"[green]{Markup.Escape(report.Source)}: OK[/], {report.ClassCount} classes, {report.OverrideCount} overrides, version {report.Version}"
              + (report.Problems.Count > 0 ? $", {report.Problems.Count} warning(s)" : "");
        console.MarkupLine(summary);
    }

    /// <summary>Checks, renders and returns the process exit code.</summary>
    public static int Run(string path, IAnsiConsole console)
    {
        var report = CheckFile(path);
        Render(console, report);
        return report.ExitCode;
    }
}
