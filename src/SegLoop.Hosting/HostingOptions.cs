using System.ComponentModel.DataAnnotations;

namespace SegLoop.Hosting;

/// <summary>Process-level settings every SegLoop service shares (section <c>Hosting</c>).</summary>
public sealed class HostingOptions
{
    public const string SectionName = "Hosting";

    /// <summary>
    /// How long shutdown waits for in-flight messages to finish before the host gives up; messages still
    /// unacknowledged then go back to their queue (RabbitMQ redelivers them).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
