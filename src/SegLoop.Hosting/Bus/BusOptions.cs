using System.ComponentModel.DataAnnotations;
using System.Net;

namespace SegLoop.Hosting;

/// <summary>Which message transport a process uses (section <c>Bus</c>).</summary>
public sealed class BusOptions : IValidatableObject
{
    public const string SectionName = "Bus";

    /// <summary><c>InMemory</c> (the embedded default, one process) or <c>RabbitMq</c> (the deployed services).</summary>
    public BusTransport Transport { get; set; } = BusTransport.InMemory;

    /// <summary>Messages each receive endpoint takes at once.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 16;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    public RetryOptions Retry { get; set; } = new();

    public WatchdogOptions Watchdog { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Transport))
            yield return new ValidationResult($"'{Transport}' is not a transport; use InMemory or RabbitMq.", [nameof(Transport)]);
    }
}

public enum BusTransport
{
    InMemory,
    RabbitMq,
}

/// <summary>
/// The RabbitMQ broker (section <c>Bus:RabbitMq</c>). The defaults (localhost, guest/guest) are RabbitMQ's own and are
/// for local development only: a deployment sets Username and Password (or PasswordFile) from its secrets.
/// </summary>
public sealed class RabbitMqOptions : IValidatableObject
{
    /// <summary>RabbitMQ's built-in development password (of the built-in <c>guest</c> user).</summary>
    public const string DefaultPassword = "guest";

    [Required, MinLength(1)]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required, MinLength(1)]
    public string Username { get; set; } = "guest";

    public string? Password { get; set; } = "guest";

    /// <summary>A file holding the password (a mounted secret); wins over <see cref="Password"/>.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Declare service queues as quorum queues (replicated, durable).</summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary>The password to use: the trimmed content of <see cref="PasswordFile"/> when set, else <see cref="Password"/>.</summary>
    public string ResolvePassword() =>
        string.IsNullOrWhiteSpace(PasswordFile) ? Password ?? "" : File.ReadAllText(PasswordFile).TrimEnd('\r', '\n');

    /// <summary>
    /// True when the password in use is the default <c>guest</c> and <see cref="Host"/> is not this machine (not
    /// <c>localhost</c>, not a loopback address): development credentials pointed at a shared broker.
    /// </summary>
    public bool UsesDefaultPasswordOffLoopback() =>
        string.Equals(ResolvePassword(), DefaultPassword, StringComparison.Ordinal) && !IsLoopback(Host);

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(PasswordFile) && !File.Exists(PasswordFile))
            yield return new ValidationResult($"the password file '{PasswordFile}' does not exist.", [nameof(PasswordFile)]);
    }
}

/// <summary>In-process redelivery before a message is faulted to its <c>_error</c> queue (section <c>Bus:Retry</c>).</summary>
public sealed class RetryOptions : IValidatableObject
{
    private static readonly int[] DefaultIntervals = [200, 1000, 5000];

    /// <summary>Waits in milliseconds between attempts; one retry per entry. Empty: no retry.</summary>
    public int[]? Intervals { get; set; }

    public IReadOnlyList<TimeSpan> EffectiveIntervals =>
        (Intervals ?? DefaultIntervals).Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Intervals is { } intervals && intervals.Any(ms => ms is < 0 or > 600_000))
            yield return new ValidationResult("every interval must be between 0 and 600000 ms.", [nameof(Intervals)]);
    }
}

/// <summary>The consumer watchdog of a RabbitMQ process (section <c>Bus:Watchdog</c>; see <see cref="ConsumerWatchdog"/>).</summary>
public sealed class WatchdogOptions : IValidatableObject
{
    public bool Enabled { get; set; } = true;

    /// <summary>How often the broker is asked about the process's queues.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a queue may hold messages while its endpoint consumes none, or the bus stay not ready while the broker answers, before the process gives up on its bus.</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromMilliseconds(100) || Interval > TimeSpan.FromMinutes(10))
            yield return new ValidationResult("must be between 00:00:00.1 and 00:10:00.", [nameof(Interval)]);
        if (StallAfter < 2 * Interval)
            yield return new ValidationResult($"must be at least twice Interval ({2 * Interval}): one sample cannot tell a stall from a pause.", [nameof(StallAfter)]);
    }
}
