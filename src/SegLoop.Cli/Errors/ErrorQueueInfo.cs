namespace SegLoop.Cli.Errors;

/// <summary>A MassTransit error queue (<c>&lt;queue&gt;_error</c>) and how many messages wait in it.</summary>
/// <param name="Name">The error queue, e.g. <c>taxonomy_error</c>.</param>
/// <param name="SourceQueue">The queue its messages failed in and are replayed to, e.g. <c>taxonomy</c>.</param>
/// <param name="MessageCount">Messages ready in the error queue (exact, read over AMQP).</param>
public sealed record ErrorQueueInfo(string Name, string SourceQueue, long MessageCount);
