using Spectre.Console;

namespace SegLoop.Cli.Tests;

/// <summary>Tests that read what a verb prints swap the process-wide consoles, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

/// <summary>Captures Spectre's console and Console.Error for the duration of one verb.</summary>
public sealed class ConsoleCapture : IDisposable
{
    private readonly IAnsiConsole _previous = AnsiConsole.Console;
    private readonly TextWriter _previousError = Console.Error;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public ConsoleCapture()
    {
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        AnsiConsole.Console.Profile.Width = 240;
        Console.SetError(_error);
    }

    public string Output => _output.ToString();

    public string Error => _error.ToString();

    public void Dispose()
    {
        AnsiConsole.Console = _previous;
        Console.SetError(_previousError);
    }
}
