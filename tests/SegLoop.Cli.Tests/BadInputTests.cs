using System.CommandLine;
using System.Text.RegularExpressions;
using SegLoop.Testing;

namespace SegLoop.Cli.Tests;

/// <summary>
/// Every verb, walked through System.CommandLine's tree, with each of its typed options given a bad value: the answer is
/// one line naming the problem and exit code 2, never a stack trace or a .NET internal; and the cases users tripped over
/// (issue 22's table) answer the same way before any work.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class BadInputTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("segloop-badinput-");

    public void Dispose() => _scratch.Delete(recursive: true);

    private string AFile
    {
        get
        {
            var path = Path.Combine(_scratch.FullName, "a-file.txt");
            if (!File.Exists(path))
                File.WriteAllText(path, "not json, not a model");
            return path;
        }
    }

    /// <summary>Good values for the options a verb requires, so the one bad option is what the verb answers about.</summary>
    private string? GoodValue(Symbol option) => option.Name switch
    {
        "--customer" or "--project" or "--domain" or "--name" or "--version" or "--queue" => "x",
        "--annotations" or "--coco" => SharedData.CocoMiniAnnotations,
        "--images" or "--root" or "--labels" => SharedData.CocoMiniImages,
        "--classes" or "FILE" or "--file" or "--export" => AFile,
        "--out" => Path.Combine(_scratch.FullName, "out"),
        "--date" => "2026-11-21",
        "--ground-truth" => SharedData.EcssdDev,
        "--preprocessing" => "rembg",
        "model" => "u2netp",
        _ => null,
    };

    /// <summary>Values each option type cannot take (a missing file, a file where a folder belongs, a negative count, a word for a number).</summary>
    private IEnumerable<string> BadValues(Option option)
    {
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        if (type == typeof(FileInfo))
            return [Path.Combine(_scratch.FullName, "missing.json"), _scratch.FullName];
        if (type == typeof(DirectoryInfo))
            return [AFile];
        if (type == typeof(int))
            return ["-5", "many"];
        if (type == typeof(double))
            return ["-7", "half"];
        if (type == typeof(TimeSpan))
            return ["soon", "-1s"];
        if (type == typeof(Uri))
            return ["not-an-address"];
        return [];
    }

    /// <summary>Every command with an action, as its path ("ingest coco"), from the same tree Program.cs runs.</summary>
    public static TheoryData<string> Verbs()
    {
        var data = new TheoryData<string>();
        var root = SegLoopCommand.Create();
        foreach (var verb in SegLoopCommand.Verbs(root))
            data.Add(string.Join(' ', PathTo(root, verb)!));
        Assert.True(data.Count >= 14, $"expected every verb, found {data.Count}");
        return data;
    }

    private static List<string>? PathTo(Command at, Command target)
    {
        foreach (var sub in at.Subcommands)
        {
            if (ReferenceEquals(sub, target))
                return [sub.Name];
            if (PathTo(sub, target) is { } rest)
                return [sub.Name, .. rest];
        }
        return null;
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Verb_EachTypedOptionBad_OneLineExit2NoStackTrace(string verbPath)
    {
        var verb = Find(SegLoopCommand.Create(), verbPath.Split(' '));
        var required = verb.Options.Where(o => o.Required).SelectMany(o => new[] { o.Name, GoodValue(o)! })
            .Concat(verb.Arguments.Select(a => GoodValue(a)!)).ToArray();
        var cases = verb.Options.Where(o => !o.Name.StartsWith("--help", StringComparison.Ordinal))
            .SelectMany(o => BadValues(o).Select(bad => (o.Name, bad))).ToList();

        foreach (var (name, bad) in cases)
        {
            string[] args = [.. verbPath.Split(' '), .. Without(required, name), name, bad];
            var (exitCode, stdout, stderr) = await InvokeAsync(args);

            var all = stdout + stderr;
            Assert.True(exitCode == 2, $"segloop {string.Join(' ', args)}: exit {exitCode}, expected 2; output: {all}");
            AssertOneCleanLine(all, args);
        }
    }

    public static TheoryData<string, string> TrippedOver() => new()
    {
        { "errors list, no broker", "errors list --rabbitmq amqp://guest:guest@127.0.0.1:1/" },
        { "--data a file (run)", "run --once --data {file}" },
        { "--data a file (dataset build)", "dataset build --date 2026-11-21 --data {file}" },
        { "onnx: not a model", "evaluate --ground-truth {ecssd} --segmenter onnx:{file}" },
        { "--report where no folder can be made", "evaluate --ground-truth {ecssd} --segmenter grabcut --report {file}/r.html" },
        { "a folder as --annotations", "ingest coco --annotations {scratch} --images {scratch} --customer a --project b --domain c --data {scratch}/store" },
        { "ingest coco on {}", "ingest coco --annotations {empty} --images {scratch} --customer a --project b --domain c --data {scratch}/store" },
        { "ingest coco on empty lists", "ingest coco --annotations {emptylists} --images {scratch} --customer a --project b --domain c --data {scratch}/store" },
        { "dataset build, empty store", "dataset build --date 2026-11-21 --data {scratch}/empty-store" },
        { "evaluate --limit -5", "evaluate --ground-truth {ecssd} --segmenter grabcut --limit -5" },
        { "--baseline not readable", "evaluate --ground-truth {ecssd} --segmenter grabcut --baseline {file}" },
        { "prelabel --model unknown", "prelabel --coco {coco} --images {cocoimages} --model nosuch --data {scratch}/store --out {scratch}/r.json" },
        { "radius negative", "evaluate --ground-truth {ecssd} --segmenter grabcut --tolerance-px -3" },
        { "TimeSpan without format", "run --once --idle 2" },
    };

    [Theory]
    [MemberData(nameof(TrippedOver))]
    public async Task IssueTable_Case_OneLineExit2(string what, string command)
    {
        File.WriteAllText(Path.Combine(_scratch.FullName, "empty.json"), "{}");
        File.WriteAllText(Path.Combine(_scratch.FullName, "emptylists.json"), """{"images":[],"annotations":[],"categories":[]}""");
        var args = command.Replace("{file}", AFile, StringComparison.Ordinal).Replace("{ecssd}", SharedData.EcssdDev, StringComparison.Ordinal)
            .Replace("{scratch}", _scratch.FullName, StringComparison.Ordinal).Replace("{empty}", Path.Combine(_scratch.FullName, "empty.json"), StringComparison.Ordinal)
            .Replace("{emptylists}", Path.Combine(_scratch.FullName, "emptylists.json"), StringComparison.Ordinal)
            .Replace("{coco}", SharedData.CocoMiniAnnotations, StringComparison.Ordinal).Replace("{cocoimages}", SharedData.CocoMiniImages, StringComparison.Ordinal)
            .Split(' ');

        var (exitCode, stdout, stderr) = await InvokeAsync(args);

        Assert.True(exitCode == 2, $"{what}: exit {exitCode}; output: {stdout}{stderr}");
        AssertOneCleanLine(stdout + stderr, args);
        // Checked before work: nothing evaluated, nothing published.
        Assert.DoesNotContain("evaluated ", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_scratch.FullName, "store", "prelabel")), "prelabel published images before checking --model");
    }

    private static void AssertOneCleanLine(string output, IEnumerable<string> args)
    {
        var command = "segloop " + string.Join(' ', args);
        Assert.False(StackFrame().IsMatch(output), $"{command} printed a stack trace:\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"{command} printed {lines.Length} lines, expected one:\n{output}");
        Assert.StartsWith("segloop ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", output, StringComparison.Ordinal);
        Assert.DoesNotContain("'System.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Without(string[] pairs, string name)
    {
        for (var i = 0; i < pairs.Length; i++)
        {
            if (pairs[i] == name && i + 1 < pairs.Length)
            {
                i++;
                continue;
            }
            yield return pairs[i];
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> InvokeAsync(string[] args)
    {
        var previousOut = Console.Out;
        using var capture = new ConsoleCapture();
        using var stdout = new StringWriter();
        Console.SetOut(stdout);
        try
        {
            var exitCode = await SegLoopCommand.InvokeAsync(args).WaitAsync(TimeSpan.FromMinutes(2));
            return (exitCode, stdout.ToString() + capture.Output, capture.Error);
        }
        finally
        {
            Console.SetOut(previousOut);
        }
    }

    private static Command Find(Command root, string[] path) =>
        path.Aggregate(root, (at, name) => at.Subcommands.Single(c => c.Name == name));

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
