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

    /// <summary>Exit codes of the incarnations that ended on their own (not by <see cref="Kill"/>), in order.</summary>
    public IReadOnlyList<int> OwnExits => _ownExits;

    private readonly List<int> _ownExits = [];
    private Process? _killed;

    /// <summary>
    /// Starts an incarnation and waits until <c>/healthz/ready</c> answers 200 (the bus is connected). An incarnation
    /// that ends with <see cref="SegLoop.Hosting.ExitOnConsumerStall.ExitCode"/> meanwhile (its consumer watchdog found
    /// its bus not getting ready) is started again, as its supervisor would, within the same patience.
    /// </summary>
    public async Task StartAsync(TimeSpan patience)
    {
        var deadline = Stopwatch.StartNew();
        var process = Launch();
        while (deadline.Elapsed < patience)
        {
            if (process.HasExited)
            {
                _ownExits.Add(process.ExitCode);
                if (process.ExitCode != SegLoop.Hosting.ExitOnConsumerStall.ExitCode)
                    throw new InvalidOperationException($"{Name} exited with {process.ExitCode} while starting; log: {LogPath}\n{Tail()}");
                process = Launch();
            }
            if (await GetStatusAsync("healthz/ready").ConfigureAwait(false) == 200)
                return;
            await Task.Delay(250).ConfigureAwait(false);
        }
        throw new TimeoutException($"{Name} was not ready within {patience}; log: {LogPath}\n{Tail()}");
    }

    /// <summary>Starts a new incarnation when the last one ended on its own; returns its exit code, or null when it runs.</summary>
    public async Task<int?> RestartIfExitedAsync(TimeSpan patience)
    {
        if (_process is not { HasExited: true } ended || ReferenceEquals(ended, _killed))
            return null;
        _ownExits.Add(ended.ExitCode);
        await StartAsync(patience).ConfigureAwait(false);
        return ended.ExitCode;
    }

    /// <summary>Starts an incarnation without waiting for it to be ready.</summary>
    public Process Launch()
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
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var incarnation = ++Starts;
        process.OutputDataReceived += (_, e) => Write(incarnation, e.Data);
        process.ErrorDataReceived += (_, e) => Write(incarnation, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose();
        _process = process;
        return process;
    }

    /// <summary>Waits for the running incarnation to end on its own and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started");
        using var cts = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {patience}; log: {LogPath}\n{Tail()}");
        }
        _ownExits.Add(process.ExitCode);
        return process.ExitCode;
    }

    /// <summary>SIGKILL: the process gets no chance to finish, acknowledge or flush anything.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process)
            return;
        RecordPeak(process.Id);
        process.Kill(entireProcessTree: false); // SIGKILL on Linux
        process.WaitForExit();
        _killed = process;
        Kills++;
    }

    public bool IsAlive => _process is { HasExited: false };

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

    /// <summary>
    /// The log's last <paramref name="lines"/> lines, without the lines of readiness probes (the health-check service logs
    /// an error for every probe of a process that is not ready, four a second here, which would bury everything else),
    /// each cut to 600 characters (a stack trace is one long line).
    /// </summary>
    public string Tail(int lines = 40)
    {
        lock (_logLock)
        {
            _log.Flush();
        }
        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var probes = all.Count(IsProbeLine);
        var kept = all.Where(l => !IsProbeLine(l)).TakeLast(lines).Select(l => l.Length > 600 ? l[..600] + "..." : l);
        return string.Join('\n', kept) + (probes > 0 ? $"\n({probes} readiness-probe lines left out)" : "");
    }

    private static bool IsProbeLine(string line) =>
        line.Contains("HealthChecks.DefaultHealthCheckService", StringComparison.Ordinal)
        || line.Contains("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal)
        || line.Contains("Microsoft.AspNetCore.Routing", StringComparison.Ordinal);

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
