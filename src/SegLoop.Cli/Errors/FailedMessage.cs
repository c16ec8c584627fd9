namespace SegLoop.Cli.Errors;

/// <summary>One message waiting in an error queue, as MassTransit left it there.</summary>
/// <param name="ErrorQueue">The error queue it is in.</param>
/// <param name="MessageId">The AMQP message id (MassTransit's MessageId); null when the sender set none.</param>
/// <param name="MessageTypes">The message's URNs from the MassTransit envelope (e.g. urn:message:SegLoop.Contracts:BuildCrops), or the AMQP type property.</param>
/// <param name="ExceptionType">MT-Fault-ExceptionType: the exception the consumer threw.</param>
/// <param name="ExceptionMessage">MT-Fault-Message: its message.</param>
/// <param name="FaultedAt">MT-Fault-Timestamp (when it was moved to the error queue), else the AMQP timestamp.</param>
/// <param name="BodyBytes">Size of the body.</param>
public sealed record FailedMessage(
    string ErrorQueue,
    string? MessageId,
    IReadOnlyList<string> MessageTypes,
    string? ExceptionType,
    string? ExceptionMessage,
    DateTimeOffset? FaultedAt,
    int BodyBytes);
