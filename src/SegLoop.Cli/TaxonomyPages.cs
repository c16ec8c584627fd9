using SegLoop.Storage;
using SegLoop.Taxonomy;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>The console pages of <c>segloop taxonomy</c>: the Taxonomy service computes the reports, the CLI draws them.</summary>
public static class TaxonomyPages
{
    public static void RenderCheck(IAnsiConsole console, TaxonomyCheckReport report)
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
    public static int Check(string path, IAnsiConsole console)
    {
        var report = TaxonomyCheck.CheckFile(path);
        RenderCheck(console, report);
        return report.ExitCode;
    }

    public static void RenderUnmapped(IAnsiConsole console, UnmappedReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Rows.Count == 0)
            console.MarkupLine("[green]No unmapped class names.[/]");
        else
        {
            var table = new Table().AddColumns("Name", "Customer", "Project", "Count", "Tasks", "Suggestions");
            foreach (var row in report.Rows)
            {
                table.AddRow(new Text(row.Name), new Text(row.Customer), new Text(row.Project),
                    new Text(row.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new Text(row.Tasks.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new Text(row.Suggestions.Count == 0 ? "-" : string.Join(", ", row.Suggestions)));
            }
            console.Write(table);
        }
        foreach (var key in report.UnreadableKeys)
            console.MarkupLine($"[yellow]Skipped unreadable observation {Markup.Escape(key)}[/]");
    }

    /// <summary>Aggregates, renders and returns the process exit code (0).</summary>
    public static async Task<int> UnmappedAsync(IBlobStore store, IAnsiConsole console, string? customer = null, string? project = null,
        CancellationToken cancellationToken = default)
    {
        var report = await TaxonomyUnmapped.AggregateAsync(store, customer, project, cancellationToken).ConfigureAwait(false);
        RenderUnmapped(console, report);
        return 0;
    }
}
