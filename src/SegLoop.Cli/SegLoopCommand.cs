using System.CommandLine;
using System.CommandLine.Invocation;

namespace SegLoop.Cli;

/// <summary>
/// The <c>segloop</c> root command. Each verb lives in its own class; later issues add theirs here. Every verb's action
/// runs behind <see cref="GuardedAction"/>, so whatever a verb throws ends as one line and an exit code
/// (<see cref="CliInput.Describe"/>); <see cref="InvokeAsync"/> does the same for parse and validation errors.
/// </summary>
public static class SegLoopCommand
{
    /// <summary><c>--json</c> on every verb: results as JSON on stdout instead of tables (progress and notes on stderr).</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the results as JSON on stdout (for scripts) instead of tables.",
        Recursive = true,
    };

    public static RootCommand Create()
    {
        var root = new RootCommand(
            "SegLoop: ingest segmentation annotations, map them to a common taxonomy, cut training crops and pre-label images.");
        root.Options.Add(Json);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(TaxonomyCommand.Create());
        root.Subcommands.Add(DatasetCommand.Create());
        root.Subcommands.Add(ErrorsCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(PrelabelCommand.Create());
        root.Subcommands.Add(RankCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        foreach (var command in Verbs(root))
        {
            if (command.Action is { } action and not GuardedAction)
                command.Action = new GuardedAction(action);
        }
        return root;
    }

    /// <summary>Every command under <paramref name="root"/> that does something (has an action), depth first.</summary>
    public static IEnumerable<Command> Verbs(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var sub in root.Subcommands)
        {
            if (sub.Action is not null)
                yield return sub;
            foreach (var deeper in Verbs(sub))
                yield return deeper;
        }
    }

    /// <summary>
    /// What <c>Program.cs</c> runs: a parse or validation error is one line naming the verb and the problem and exit code 2
    /// (System.CommandLine's default is 1 and a screen of help).
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? stderr = null, CancellationToken cancellationToken = default)
    {
        stderr ??= Console.Error;
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            var verb = string.Join(' ', Path(parse.CommandResult.Command, parse.RootCommandResult.Command));
            var errors = parse.Errors.Select(e => CliInput.CleanParseError(e.Message)).Distinct().ToList();
            await stderr.WriteLineAsync($"{verb}: {string.Join(" ", errors.Select(e => e.TrimEnd('.') + "."))} ('{verb} --help' lists the options.)");
            return CliInput.BadInput;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
    }

    private static IEnumerable<string> Path(Command command, Command root)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null && c != root; c = Parent(root, c))
            names.Insert(0, c.Name);
        names.Insert(0, "segloop");
        return names;
    }

    private static Command? Parent(Command root, Command child) =>
        root.Subcommands.Contains(child) ? root : root.Subcommands.Select(s => Parent(s, child)).FirstOrDefault(p => p is not null);

    /// <summary>A verb's action behind the one exception filter: one line on stderr, never a stack trace.</summary>
    private sealed class GuardedAction(CommandLineAction inner) : AsynchronousCommandLineAction
    {
        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            try
            {
                return inner switch
                {
                    AsynchronousCommandLineAction a => await a.InvokeAsync(parseResult, cancellationToken),
                    SynchronousCommandLineAction s => s.Invoke(parseResult),
                    _ => throw new InvalidOperationException($"unknown action {inner.GetType().Name}"),
                };
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"{Name(parseResult)}: cancelled.");
                return 130;
            }
            catch (Exception e)
            {
                var (message, exitCode) = CliInput.Describe(e);
                await Console.Error.WriteLineAsync($"{Name(parseResult)}: {message}");
                if (Environment.GetEnvironmentVariable("SEGLOOP_DEBUG") == "1")
                    await Console.Error.WriteLineAsync(e.ToString());
                return exitCode;
            }
        }

        private static string Name(ParseResult parse) => string.Join(' ', Path(parse.CommandResult.Command, parse.RootCommandResult.Command));
    }
}
