using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SegLoop.Cli;

/// <summary>Bad input a user can fix: one line on stderr and exit code <see cref="CliInput.BadInput"/>, never a stack trace.</summary>
public sealed class CliInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The checks every verb runs on its arguments before any work starts (as System.CommandLine validators, so a bad
/// path, a folder where a file belongs or a negative count ends the parse, not the evaluation), and the one place
/// that turns what goes wrong into one line: <see cref="Describe"/>. <see cref="SegLoopCommand"/> applies it to
/// every verb; no verb has its own copy.
/// </summary>
public static partial class CliInput
{
    /// <summary>Exit code of bad input (arguments, files, settings), named in one line on stderr.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code of a fault segloop did not foresee (a defect): still one line, no stack trace unless SEGLOOP_DEBUG=1.</summary>
    public const int Unexpected = 70;

    /// <summary>The file exists and is a file (not a folder).</summary>
    public static T ExistingFile<T>(this T option) where T : Option
    {
        option.Validators.Add(result =>
        {
            if (Token(result) is { } path && Check.File(path) is { } problem)
                result.AddError($"{option.Name} {path}: {problem}");
        });
        return option;
    }

    /// <summary>The folder exists and is a folder.</summary>
    public static T ExistingFolder<T>(this T option) where T : Option
    {
        option.Validators.Add(result =>
        {
            if (Token(result) is { } path && Check.Folder(path) is { } problem)
                result.AddError($"{option.Name} {path}: {problem}");
        });
        return option;
    }

    /// <summary>A folder this verb may create or write into: not a file, and under a parent that exists (the default too).</summary>
    public static T DataFolder<T>(this T option) where T : Option
    {
        option.Validators.Add(result =>
        {
            var path = Token(result) ?? (result.GetValueOrDefault<object?>() as FileSystemInfo)?.FullName;
            if (path is null)
                return;
            var full = Path.GetFullPath(path);
            if (File.Exists(full))
                result.AddError($"{option.Name} {path}: is a file; give a folder (it is created when missing).");
            else if (!Directory.Exists(full) && Path.GetDirectoryName(full) is { } parent && Nearest(parent) is { } existing && File.Exists(existing))
                result.AddError($"{option.Name} {path}: {existing} is a file, so the folder cannot be created.");
        });
        return option;
    }

    /// <summary>A file this verb will write: not a folder, and its folder writable (or creatable: the verb creates it).</summary>
    public static T OutputFile<T>(this T option) where T : Option
    {
        option.Validators.Add(result =>
        {
            var path = Token(result) ?? (result.GetValueOrDefault<object?>() as FileSystemInfo)?.FullName;
            if (path is not null && Check.Output(path) is { } problem)
                result.AddError($"{option.Name} {path}: {problem}");
        });
        return option;
    }

    /// <summary>A whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (TryValue<int>(result, out var value) && value < minimum)
                result.AddError($"{option.Name} {value.ToString(CultureInfo.InvariantCulture)} must be at least {minimum.ToString(CultureInfo.InvariantCulture)}.");
        });
        return option;
    }

    /// <inheritdoc cref="AtLeast(Option{int}, int)"/>
    public static Option<int?> AtLeast(this Option<int?> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (TryValue<int?>(result, out var given) && given is { } value && value < minimum)
                result.AddError($"{option.Name} {value.ToString(CultureInfo.InvariantCulture)} must be at least {minimum.ToString(CultureInfo.InvariantCulture)}.");
        });
        return option;
    }

    /// <summary>A number within [<paramref name="min"/>, <paramref name="max"/>] when given.</summary>
    public static Option<double?> Within(this Option<double?> option, double min, double max)
    {
        option.Validators.Add(result =>
        {
            if (TryValue<double?>(result, out var given) && given is { } value && (value < min || value > max || double.IsNaN(value)))
                result.AddError(FormattableString.Invariant($"{option.Name} {value} must be within [{min}, {max}]."));
        });
        return option;
    }

    /// <summary>A number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<double> Within(this Option<double> option, double min, double max)
    {
        option.Validators.Add(result =>
        {
            if (TryValue<double>(result, out var value) && (value < min || value > max || double.IsNaN(value)))
                result.AddError(FormattableString.Invariant($"{option.Name} {value} must be within [{min}, {max}]."));
        });
        return option;
    }

    /// <summary>
    /// A duration as 2s, 500ms, 5m, 1h or hh:mm:ss: System.CommandLine's own error named 'System.TimeSpan' and no format.
    /// </summary>
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description + " A duration: 500ms, 2s, 5m, 1h or hh:mm:ss.",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (TryParseDuration(text, out var value) && value > TimeSpan.Zero)
                return value;
            result.AddError($"{name} '{text}' is not a positive duration; write it as 500ms, 2s, 5m, 1h or hh:mm:ss.");
            return defaultValue;
        },
    };

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        var match = DurationPattern().Match(text.Trim());
        if (match.Success)
        {
            var n = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            value = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromHours(n),
            };
            return true;
        }
        // hh:mm:ss only: TimeSpan reads a bare "2" as two days.
        value = default;
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>What went wrong, as the one line a user reads, and the exit code; .NET's own decorations removed.</summary>
    public static (string Message, int ExitCode) Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
            return Describe(aggregate.InnerExceptions[0]);
        var known = exception is CliInputException or ArgumentException or FormatException or InvalidDataException or IOException
            or UnauthorizedAccessException or System.Text.Json.JsonException or Microsoft.Extensions.Options.OptionsValidationException
            or TimeoutException or NotSupportedException
            || exception.GetType().Namespace?.StartsWith("SegLoop", StringComparison.Ordinal) == true;
        var message = Clean(exception.Message);
        return known
            ? (message, BadInput)
            : ($"unexpected {exception.GetType().Name}: {message} (a defect in segloop; SEGLOOP_DEBUG=1 prints the stack trace)", Unexpected);
    }

    /// <summary>The message on one line, without "(Parameter 'x')" and .NET type names.</summary>
    public static string Clean(string message)
    {
        var text = ParameterSuffix().Replace(message, "");
        text = Aggregate().Replace(text, "$1");
        text = TypeNames().Replace(text, m => Friendly(m.Groups[1].Value));
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>System.CommandLine's parse errors in words: the option, the text and the form it should take.</summary>
    public static string CleanParseError(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
            return Clean(message);
        return $"{match.Groups[2].Value} '{match.Groups[1].Value}' is not {Friendly(match.Groups[3].Value)}.";
    }

    private static string Friendly(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" => "a whole number",
        "System.Double" or "System.Nullable`1[System.Double]" => "a number (e.g. 0.5)",
        "System.TimeSpan" => "a duration (500ms, 2s, 5m, 1h or hh:mm:ss)",
        "System.Boolean" => "true or false",
        _ => "a valid value",
    };

    /// <summary>The option's value when it was given and converts (a conversion error is System.CommandLine's to report).</summary>
    public static bool TryValue<T>(OptionResult result, out T value)
    {
        ArgumentNullException.ThrowIfNull(result);
        value = default!;
        if (result.Tokens.Count == 0)
            return false;
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string? Token(OptionResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : null;

    private static string? Nearest(string path)
    {
        for (var p = path; !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
        {
            if (File.Exists(p) || Directory.Exists(p))
                return p;
        }
        return null;
    }

    /// <summary>The file-system checks, each returning the problem in words or null.</summary>
    public static class Check
    {
        public static string? File(string path)
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
                return "is a folder; give a file.";
            return System.IO.File.Exists(full) ? null : "no such file.";
        }

        public static string? Folder(string path)
        {
            var full = Path.GetFullPath(path);
            if (System.IO.File.Exists(full))
                return "is a file; give a folder.";
            return Directory.Exists(full) ? null : "no such folder.";
        }

        public static string? Output(string path)
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
                return "is a folder; give a file name.";
            var folder = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(folder))
            {
                // The verb creates missing folders; what must hold is that the nearest existing ancestor is a folder.
                var existing = Nearest(folder);
                return existing is null || Directory.Exists(existing) ? null : $"{existing} is a file, so folder {folder} cannot be created.";
            }
            try
            {
                var probe = Path.Combine(folder, $".segloop-write-check-{Environment.ProcessId}");
                using (System.IO.File.Create(probe, 1, FileOptions.DeleteOnClose))
                {
                }
                return null;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return $"folder {folder} is not writable.";
            }
        }
    }

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"One or more errors occurred\. \((.*)\)")]
    private static partial Regex Aggregate();

    [GeneratedRegex(@"type '(System\.[A-Za-z0-9`\.\[\]]+)'")]
    private static partial Regex TypeNames();

    [GeneratedRegex(@"Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)$")]
    private static partial Regex DurationPattern();
}
