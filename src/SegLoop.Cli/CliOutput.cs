using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegLoop.Cli;

/// <summary>
/// Results for scripts: with <c>--json</c> a verb writes one JSON document to stdout (camelCase, indented) and nothing
/// else there; tables, progress bars and hints stay for people, otherwise.
/// </summary>
public static class CliOutput
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static bool IsJson(this ParseResult parse) => parse?.GetValue(SegLoopCommand.Json) == true;

    public static void WriteJson<T>(T value, TextWriter? stdout = null) =>
        (stdout ?? Console.Out).WriteLine(JsonSerializer.Serialize(value, Options));
}
