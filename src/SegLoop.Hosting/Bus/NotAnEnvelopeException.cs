using System.Runtime.Serialization;

namespace SegLoop.Hosting;

/// <summary>
/// A message on a SegLoop queue that is not MassTransit's JSON envelope (plain JSON, text, bytes: anything a client
/// published without MassTransit). Its message says what the body is instead and what to send; it has no inner
/// exception, so it is the base exception MassTransit writes to the <c>_error</c> queue's <c>MT-Fault-*</c> headers.
/// </summary>
public sealed class NotAnEnvelopeException : SerializationException
{
    public NotAnEnvelopeException()
    {
    }

    public NotAnEnvelopeException(string message)
        : base(message)
    {
    }

    public NotAnEnvelopeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
