namespace SegLoop.Chaos.Tests;

/// <summary>
/// The chaos test restarts the rig's RabbitMQ (and stops its S3 server) in the middle of its run; a test beside it on
/// the same broker would see its management calls refused and its exchanges briefly gone (the hostile-input corpus
/// failed that way on a fresh clone: a 404 from a publish, then "connection refused"). Tests in this collection run
/// one after the other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedBrokerCollection
{
    public const string Name = "Shared RabbitMQ broker, restarted by the chaos test";
}
