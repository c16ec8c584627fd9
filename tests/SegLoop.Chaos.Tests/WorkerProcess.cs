using System.Diagnostics;
using System.Globalization;
using SegLoop.Testing;

namespace SegLoop.Chaos.Tests;

/// <summary>
/// One service worker run as its own process (<c>dotnet services/&lt;Name&gt;/SegLoop.&lt;Name&gt;.Worker/bin/Debug/net10.0/...dll</c>)
/// configured only by environment variables, as a deployment does. Every incarnation's stdout and stderr go to one log
/// file; <see cref="Kill"/> sends SIGKILL (no shutdown hooks run); peak RSS (VmHWM) is kept across incarnations.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private Process? _process;

    public WorkerProcess(string name, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        Name = name;
        Port = FreePort.Next();
        _environment = environment;
        LogPath = Path.Combine(logDirectory, name.ToLowerInvariant() + ".log");
        _log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
    }

    public string Name { get; }

    public int Port { get; }

    public string LogPath { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public int Starts { get; private set; }

    public int Kills { get; private set; }

    /// <summary>Largest VmHWM (peak resident set) seen over every incarnation, in KiB.</summary>
    public long PeakRssKiB { get; private set; }

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public static string DllPath(string name) =>
        RepoPaths.Path("services", name, $"SegLoop.{name}.Worker", "bin", "Debug", "net10.0", $"SegLoop.{name}.Worker.dll");

    /// <summary>Starts an incarnation and waits until <c>/healthz/ready</c> answers 200 (the bus is connected).</summary>
    public async Task StartAsync(TimeSpan patience)
    {
        var dll = DllPath(Name);
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: build the solution first (scripts/test.sh does).", dll);
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment)
            info.Environment[key] = value;
        info.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        info.Environment["SEGLOOP_NATIVE_DIR"] = RepoPaths.Path("native", "build");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var incarnation = ++Starts;
        process.OutputDataReceived += (_, e) => Write(incarnation, e.Data);
        process.ErrorDataReceived += (_, e) => Write(incarnation, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < patience)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {process.ExitCode} while starting; log: {LogPath}\n{Tail()}");
            if (await GetStatusAsync("healthz/ready").ConfigureAwait(false) == 200)
                return;
            await Task.Delay(250).ConfigureAwait(false);
        }
        throw new TimeoutException($"{Name} was not ready within {patience}; log: {LogPath}\n{Tail()}");
    }

    /// <summary>SIGKILL: the process gets no chance to finish, acknowledge or flush anything.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process)
            return;
        RecordPeak(process.Id);
        process.Kill(entireProcessTree: false); // SIGKILL on Linux
        process.WaitForExit();
        Kills++;
    }

    public bool IsAlive => _process is { HasExited: false };

    /// <summary>The exit code of an incarnation that ended on its own (not by <see cref="Kill"/>); null while it runs.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public async Task<int> GetStatusAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(BaseAddress, path)).ConfigureAwait(false);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>Reads VmHWM of the running incarnation and returns the peak over all incarnations (KiB).</summary>
    public long SamplePeakRss()
    {
        if (_process is { HasExited: false } p)
            RecordPeak(p.Id);
        return PeakRssKiB;
    }

    public string Tail(int lines = 40)
    {
        lock (_logLock)
        {
            _log.Flush();
        }
        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            RecordPeak(process.Id);
            process.Kill();
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private void RecordPeak(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    continue;
                var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                PeakRssKiB = Math.Max(PeakRssKiB, kib);
            }
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
        }
    }

    private void Write(int incarnation, string? line)
    {
        if (line is null)
            return;
        lock (_logLock)
        {
            _log.WriteLine($"[{incarnation}] {line}");
        }
    }
}

/// <summary>A free loopback TCP port, chosen by the kernel.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
