using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace SegLoop.Cli;

/// <summary>
/// SIGTERM and Ctrl-C (SIGINT) as a cancellation every long or bus-using verb honours within seconds, whatever its
/// work is doing: the work is awaited with <c>WaitAsync(Token)</c>, so a signal ends the verb even while the bus
/// retries an unreachable broker or storage hangs and neither honours the token (<c>segloop ingest</c> went on for
/// over ten minutes). The generic host's console lifetime takes SIGTERM for itself once a host starts; these
/// registrations see the signal as well and keep which one it was. <see cref="RunAsync"/> is the one way a verb uses it.
/// </summary>
internal sealed class Termination : IDisposable
{
    /// <summary>How long a host may take to stop once a signal has ended the verb.</summary>
    private static readonly TimeSpan HostStopBound = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _cancellation;
    private readonly PosixSignalRegistration[] _registrations;
    private readonly List<IHost> _hosts = [];
    private int _signal;

    public Termination(CancellationToken parent)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(parent);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, On), PosixSignalRegistration.Create(PosixSignal.SIGINT, On)];
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>143 after SIGTERM, 130 after Ctrl-C or any other cancellation (the shells' 128 + signal number).</summary>
    public int ExitCode => Volatile.Read(ref _signal) == (int)PosixSignal.SIGTERM ? 143 : 130;

    public string SignalName => Volatile.Read(ref _signal) == (int)PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C";

    /// <summary>
    /// Runs <paramref name="work"/> until it ends or a signal comes. After a signal the work is abandoned (what it
    /// awaits may never end), the hosts it <see cref="Track"/>ed are stopped within 5 s, one line
    /// "segloop VERB: stopped by SIGTERM{detail}" goes to stderr and the exit code is 143 (130 for Ctrl-C).
    /// </summary>
    /// <param name="detail">What was done by then, after "stopped by SIGNAL" (default ".").</param>
    public static async Task<int> RunAsync(string verb, Func<Termination, Task<int>> work, CancellationToken cancellationToken, Func<string>? detail = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var termination = new Termination(cancellationToken);
        var token = termination.Token;
        int exitCode;
        try
        {
            // On the thread pool: work that blocks before its first await is abandoned as well.
            exitCode = await Task.Run(() => work(termination), token).WaitAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            exitCode = -1;
        }
        if (!token.IsCancellationRequested)
            return exitCode;
        // Also when the work ended by itself on the signal (a host's console lifetime stopped it): the signal decides.
        // The line first: System.CommandLine ends the process 2 s after the signal whatever the verb is still doing.
        await Console.Error.WriteLineAsync($"segloop {verb}: stopped by {termination.SignalName}{detail?.Invoke() ?? "."}");
        await termination.StopHostsAsync();
        return termination.ExitCode;
    }

    /// <summary>A host of the work, stopped (within 5 s) and disposed when a signal ends the verb; returned as it is.</summary>
    public IHost Track(IHost host)
    {
        lock (_hosts)
            _hosts.Add(host);
        return host;
    }

    /// <summary>Stops <paramref name="host"/> within 5 s: stopping a bus that never connected must not hold the process either.</summary>
    public static async Task StopBoundedAsync(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var stopping = new CancellationTokenSource(HostStopBound);
        try
        {
            await host.StopAsync(stopping.Token).WaitAsync(stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // abandoned: the process is ending
        }
    }

    private async Task StopHostsAsync()
    {
        IHost[] tracked;
        lock (_hosts)
            tracked = [.. _hosts];
        foreach (var host in tracked)
        {
            try
            {
                await StopBoundedAsync(host);
                // Disposed, so that the host's console lifetime does not hold the process at exit waiting for it.
                host.Dispose();
            }
            catch (Exception)
            {
                // The verb has ended on a signal: a host that fails to stop (still starting, half disposed) changes nothing.
            }
        }
    }

    private void On(PosixSignalContext context)
    {
        context.Cancel = true; // the verb ends itself, with its own exit code and line
        Interlocked.CompareExchange(ref _signal, (int)context.Signal, 0);
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _cancellation.Dispose();
    }
}
