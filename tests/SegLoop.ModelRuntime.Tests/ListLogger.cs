using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SegLoop.ModelRuntime.Tests;

/// <summary>Collects formatted log lines so tests can check what the runtime said.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => Lines.Enqueue((logLevel, formatter(state, exception)));
}
