using System.Runtime.InteropServices;

namespace SegLoop.Cli;

/// <summary>
/// SIGTERM and Ctrl-C (SIGINT) as a cancellation a verb can always honour: the verb awaits its work with
/// <c>WaitAsync(Token)</c>, so a signal ends it within seconds even while the bus retries an unreachable broker and
/// ignores the token (<c>segloop ingest</c> went on for over ten minutes). The generic host's console lifetime takes
/// SIGTERM for itself once the host starts; these registrations see the signal as well and keep which one it was.
/// </summary>
internal sealed class Termination : IDisposable
{
    private readonly CancellationTokenSource cancellation;
    private readonly PosixSignalRegistration[] registrations;
    private int signal;

    public Termination(CancellationToken parent)
    {
        cancellation = CancellationTokenSource.CreateLinkedTokenSource(parent);
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, On), PosixSignalRegistration.Create(PosixSignal.SIGINT, On)];
    }

    public CancellationToken Token => cancellation.Token;

    /// <summary>143 after SIGTERM, 130 after Ctrl-C or any other cancellation (the shells' 128 + signal number).</summary>
    public int ExitCode => Volatile.Read(ref signal) == (int)PosixSignal.SIGTERM ? 143 : 130;

    public string SignalName => Volatile.Read(ref signal) == (int)PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C";

    private void On(PosixSignalContext context)
    {
        context.Cancel = true; // the verb ends itself, with its own exit code and line
        Interlocked.CompareExchange(ref signal, (int)context.Signal, 0);
        cancellation.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in registrations)
            registration.Dispose();
        cancellation.Dispose();
    }
}
