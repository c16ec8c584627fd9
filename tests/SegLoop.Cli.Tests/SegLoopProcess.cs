using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SegLoop.Cli.Tests;

/// <summary>
/// segloop as the process a user starts (<c>dotnet segloop.dll ARGS</c> in a working folder, through <c>env</c> so SIGINT and
/// SIGTERM are at their defaults), with stdout and stderr collected as they come.
/// </summary>
internal sealed class SegLoopProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private SegLoopProcess(Process process)
    {
        _process = process;
    }

    public static SegLoopProcess Start(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("--default-signal=INT,TERM");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "segloop.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        // GrabCut wherever a pre-annotation model is needed, whatever model cache the environment names.
        start.Environment.Remove("SEGLOOP_MODEL_CACHE");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var result = new SegLoopProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            lock (result._stdout)
                result._stdout.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (result._stderr)
                result._stderr.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs segloop to its end (at most <paramref name="limit"/>, default 5 minutes).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? limit = null)
    {
        using var run = Start(workingDirectory, args, environment);
        Assert.True(await run.WaitForExitAsync(limit ?? TimeSpan.FromMinutes(5)), $"segloop {string.Join(' ', args)} still running: {run.Tail()}");
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stdout
    {
        get
        {
            lock (_stdout)
                return _stdout.ToString();
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public string Tail() => $"stdout: {Last(Stdout)}\nstderr: {Last(Stderr)}";

    /// <summary>Waits until <paramref name="condition"/> holds of stdout (true), the process ends or <paramref name="limit"/> passes (false).</summary>
    public async Task<bool> WaitForOutputAsync(Func<string, bool> condition, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (!condition(Stdout))
        {
            if (_process.HasExited || waited.Elapsed > limit)
                return condition(Stdout);
            await Task.Delay(100);
        }
        return true;
    }

    /// <summary>True when it ended within <paramref name="limit"/>; its output is then read to the end.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        _process.WaitForExit(); // the redirected streams to their end
        return true;
    }

    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        // A failed assertion must not leave it running.
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private static string Last(string text) => text[^Math.Min(1500, text.Length)..];
}
