using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Storage;
using SegLoop.Taxonomy;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary><c>segloop taxonomy unmapped|check</c>: what nobody has mapped yet, and whether a taxonomy file is sound.</summary>
public static class TaxonomyCommand
{
    public static Command Create()
    {
        var command = new Command("taxonomy", "Inspect the common taxonomy and the class names nobody has mapped yet.");
        command.Subcommands.Add(Unmapped());
        command.Subcommands.Add(Check());
        return command;
    }

    private static Command Unmapped()
    {
        var data = CliOptions.Data();
        var customer = new Option<string?>("--customer") { Description = "Only this customer." };
        var project = new Option<string?>("--project") { Description = "Only this project." };
        var command = new Command("unmapped", "Table of unmapped class names with counts and suggested common classes.") { data, customer, project };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliConfiguration.StorageServices(CliConfiguration.Build(parse.GetValue(data)?.FullName));
            var store = services.GetRequiredService<IBlobStore>();
            if (!parse.IsJson())
                return await TaxonomyPages.UnmappedAsync(store, AnsiConsole.Console, parse.GetValue(customer), parse.GetValue(project), cancellationToken);
            CliOutput.WriteJson(await TaxonomyUnmapped.AggregateAsync(store, parse.GetValue(customer), parse.GetValue(project), cancellationToken));
            return 0;
        });
        return command;
    }

    private static Command Check()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The taxonomy YAML to check." };
        file.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && CliInput.Check.File(result.Tokens[0].Value) is { } problem)
                result.AddError($"FILE {result.Tokens[0].Value}: {problem}");
        });
        var command = new Command("check", "Check a taxonomy file: duplicate names, synonym clashes, overrides pointing at unknown classes.") { file };
        command.SetAction(parse =>
        {
            if (!parse.IsJson())
                return TaxonomyPages.Check(parse.GetValue(file)!.FullName, AnsiConsole.Console);
            var report = TaxonomyCheck.CheckFile(parse.GetValue(file)!.FullName);
            CliOutput.WriteJson(report);
            return report.ExitCode;
        });
        return command;
    }
}
