using System.Globalization;

namespace SegLoop.Benchmarks;

/// <summary>A benchmark's "--name value" arguments; a bad value is an error that names the argument and what it takes.</summary>
internal static class BenchArgs
{
    /// <summary>The whole number after <paramref name="name"/> (at least <paramref name="min"/>), or <paramref name="fallback"/> when absent.</summary>
    public static int Int(string[] args, string name, int fallback, int min = 1) =>
        Value(args, name) switch
        {
            null => fallback,
            var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min => value,
            var text => throw new BenchArgumentException($"{name} takes a whole number of at least {min}, not '{text}'"),
        };

    /// <summary>The text after <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public static string String(string[] args, string name, string fallback) => Value(args, name) ?? fallback;

    /// <summary>The value after <paramref name="name"/>, one of <paramref name="allowed"/>, or null when absent.</summary>
    public static string? Choice(string[] args, string name, params string[] allowed) =>
        Value(args, name) switch
        {
            null => null,
            var text when allowed.Contains(text, StringComparer.Ordinal) => text,
            var text => throw new BenchArgumentException($"{name} takes one of {string.Join(", ", allowed)}, not '{text}'"),
        };

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        if (i < 0)
            return null;
        return i + 1 < args.Length ? args[i + 1] : throw new BenchArgumentException($"{name} needs a value");
    }
}

internal sealed class BenchArgumentException(string message) : Exception(message);
