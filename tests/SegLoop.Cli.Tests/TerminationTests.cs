using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SegLoop.Testing;

namespace SegLoop.Cli.Tests;

/// <summary>
/// Every verb that talks to the bus or runs long, as the process a user starts, stops within seconds of SIGTERM or
/// Ctrl-C (SIGINT) whatever it is doing (a broker that cannot be reached, a store that never answers, the loop
/// running), with exit code 143 or 130 and one line on stderr.
/// </summary>
public sealed class TerminationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task IngestCoco_BrokerUnreachableThenSigterm_ExitsWithin10SecondsWith143AndOneLine()
    {
        using var dir = new TempDir();
        using var broker = new TcpSink(closeAtOnce: true);
        var result = await SignalledAsync(dir, "TERM", BrokerUnreachable(broker),
            ["ingest", "coco", "--annotations", SharedData.CocoMiniAnnotations, "--images", SharedData.Path("coco-mini", "train2017"),
             "--customer", "acme", "--project", "p", "--domain", "street", "--data", dir.Path("data")], ready: _ => broker.Connections > 0);

        result.AssertStopped(143, "segloop ingest coco: stopped by SIGTERM after 0 tasks; the tasks published so far stay, the rest were not sent.");
    }

    [Fact]
    public async Task Prelabel_BrokerUnreachableThenSigterm_ExitsWithin10SecondsWith143AndOneLine()
    {
        using var dir = new TempDir();
        using var broker = new TcpSink(closeAtOnce: true);
        var result = await SignalledAsync(dir, "TERM", BrokerUnreachable(broker),
            ["prelabel", "--coco", SharedData.CocoMiniAnnotations, "--images", SharedData.Path("coco-mini", "train2017"),
             "--out", dir.Path("results.json"), "--data", dir.Path("data")], ready: _ => broker.Connections > 0);

        result.AssertStopped(143,
            "segloop prelabel: stopped by SIGTERM; the images done so far are kept in the progress file, rerun the same command to go on.");
    }

    [Fact]
    public async Task ModelsPromote_BrokerUnreachableThenCtrlC_ExitsWithin10SecondsWith130AndOneLine()
    {
        using var dir = new TempDir();
        using var broker = new TcpSink(closeAtOnce: true);
        var result = await SignalledAsync(dir, "INT", BrokerUnreachable(broker),
            ["models", "promote", "--name", "isnet", "--version", "0123456789ab", "--data", dir.Path("data")], ready: _ => broker.Connections > 0);

        result.AssertStopped(130, "segloop models promote: stopped by Ctrl-C.");
    }

    [Fact]
    public async Task DatasetBuild_StorageNeverAnswersThenSigterm_ExitsWithin10SecondsWith143AndOneLine()
    {
        using var dir = new TempDir();
        // An S3 endpoint that takes connections and never answers: a hung store, which the SDK waits on for minutes.
        using var silent = new TcpSink(closeAtOnce: false);
        var result = await SignalledAsync(dir, "TERM", new Dictionary<string, string>
        {
            ["Storage__Kind"] = "S3",
            ["Storage__S3__Bucket"] = "segloop-silent",
            ["Storage__S3__ServiceUrl"] = $"http://127.0.0.1:{silent.Port.ToString(CultureInfo.InvariantCulture)}",
            ["Storage__S3__ForcePathStyle"] = "true",
            ["Storage__S3__AccessKey"] = "segloop-test",
            ["Storage__S3__SecretKey"] = "segloop-test-secret",
        }, ["dataset", "build", "--date", "2026-12-03", "--data", dir.Path("data")], ready: _ => silent.Connections > 0);

        result.AssertStopped(143, "segloop dataset build: stopped by SIGTERM.");
    }

    [Fact]
    public async Task Run_LoopRunningThenSigterm_ExitsWithin10SecondsWith143AndOneLine()
    {
        using var dir = new TempDir();
        var result = await SignalledAsync(dir, "TERM", new Dictionary<string, string>(),
            ["run", "--data", dir.Path("data"), "--port", "0", "--inbox", dir.Path("inbox")],
            ready: output => output.Contains("segloop run: the loop is up", StringComparison.Ordinal));

        result.AssertStopped(143, "segloop run: stopped by SIGTERM.");
    }

    /// <summary>
    /// The bus pointed at a loopback port that closes every connection at once: MassTransit retries without end, and the
    /// test signals only once the first attempt shows the verb is at work (a fixed wait signalled a process still
    /// starting on a loaded machine, before it had its handlers: exit 143 and no line).
    /// </summary>
    private static Dictionary<string, string> BrokerUnreachable(TcpSink broker) => new()
    {
        ["Bus__Transport"] = "RabbitMq",
        ["Bus__RabbitMq__Host"] = "127.0.0.1",
        ["Bus__RabbitMq__Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Starts segloop with <paramref name="args"/> in <paramref name="dir"/>, waits until <paramref name="ready"/> holds
    /// (given its output so far: the verb is at work), sends SIG<paramref name="signal"/> and waits at most 10 s for it to end.
    /// </summary>
    private static async Task<Signalled> SignalledAsync(TempDir dir, string signal, IReadOnlyDictionary<string, string> environment, string[] args,
        Func<string, bool> ready)
    {
        // Through env, which execs dotnet in the same process with SIGINT and SIGTERM at their defaults, as in a terminal:
        // a test run started in the background (nohup, CI runners) passes SIGINT on ignored, and .NET then keeps
        // ignoring it, so a Ctrl-C would never arrive.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = dir.Root,
        };
        start.ArgumentList.Add("--default-signal=INT,TERM");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "segloop.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        // GrabCut for `run`, whatever model cache the environment names: nothing to fetch or register first.
        start.Environment.Remove("SEGLOOP_MODEL_CACHE");

        var output = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            lock (stderr) stderr.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            string Output()
            {
                lock (output)
                    return output.ToString();
            }
            var waited = Stopwatch.StartNew();
            while (!ready(Output()) && !process.HasExited && waited.Elapsed < TimeSpan.FromMinutes(2))
                await Task.Delay(100);
            Assert.True(ready(Output()), $"not ready after {waited.Elapsed}: {Tail(Output())}");
            Assert.False(process.HasExited, $"exited with {(process.HasExited ? process.ExitCode : 0)} before the signal: {Tail(Output())}");

            var signalled = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var limit = new CancellationTokenSource(Limit);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"still running {Limit.TotalSeconds} s after SIG{signal}: {Tail(Output())}");
            }
            var elapsed = signalled.Elapsed;
            process.WaitForExit(); // the redirected streams to their end
            lock (stderr)
                return new Signalled(process.ExitCode, elapsed, stderr.ToString());
        }
        finally
        {
            // A failed assertion must not leave it retrying.
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static string Tail(string text) => text[^Math.Min(800, text.Length)..];

    private sealed record Signalled(int ExitCode, TimeSpan AfterSignal, string Stderr)
    {
        public void AssertStopped(int exitCode, string line)
        {
            Assert.True(AfterSignal < Limit, $"{AfterSignal}");
            Assert.True(exitCode == ExitCode, $"exit code {ExitCode}, not {exitCode}; stderr: {Tail(Stderr)}");
            var lines = Stderr.Split('\n').Where(l => l.Contains("stopped by", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
            Assert.Equal(line, Assert.Single(lines));
        }
    }

    private sealed class TempDir : IDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segloop-signal-");

        public string Root => _dir.FullName;

        public string Path(string name) => System.IO.Path.Combine(_dir.FullName, name);

        public void Dispose() => _dir.Delete(recursive: true);
    }

    /// <summary>
    /// Accepts TCP connections on a loopback port and counts them; never reads or answers (a hung server), or closes each
    /// at once (a server that cannot be reached).
    /// </summary>
    private sealed class TcpSink : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];
        private readonly CancellationTokenSource _stop = new();

        public TcpSink(bool closeAtOnce)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    if (closeAtOnce)
                        socket.Close();
                    lock (_accepted)
                        _accepted.Add(socket);
                }
            });
        }

        public int Port { get; }

        public int Connections
        {
            get
            {
                lock (_accepted)
                    return _accepted.Count;
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_accepted)
            {
                foreach (var socket in _accepted)
                    socket.Dispose();
            }
            _stop.Dispose();
        }
    }
}
