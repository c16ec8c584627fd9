using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace SegLoop.Hosting;

/// <summary>
/// MassTransit's System.Text.Json envelope deserializer, the default of every SegLoop endpoint, with one rule added: a
/// body that is not an envelope fails with a <see cref="NotAnEnvelopeException"/> that says what the body is and what
/// to send, instead of MassTransit's own error (plain JSON read "ArgumentNullException: Value cannot be null.
/// (Parameter 'envelope')"; text or bytes a JSON reader position). The body is looked at only after MassTransit has
/// failed on it, and for an envelope that names no message type (which MassTransit would move to <c>_skipped</c>
/// without a reason): a good message costs nothing more.
/// </summary>
internal sealed class EnvelopeDeserializer(SystemTextJsonMessageSerializer inner) : IMessageDeserializer
{
    public ContentType ContentType => inner.ContentType;

    public void Probe(ProbeContext context) => inner.Probe(context);

    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        ConsumeContext context;
        try
        {
            context = inner.Deserialize(receiveContext);
        }
        catch (SerializationException e)
        {
            throw NotAnEnvelope(receiveContext.Body, receiveContext.ContentType, e);
        }
        if (!context.SupportedMessageTypes.Any())
            throw NotAnEnvelope(receiveContext.Body, receiveContext.ContentType, null);
        return context;
    }

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return inner.Deserialize(body, headers, destinationAddress);
        }
        catch (SerializationException e)
        {
            throw NotAnEnvelope(body, null, e);
        }
    }

    public MessageBody GetMessageBody(string text) => inner.GetMessageBody(text);

    private static NotAnEnvelopeException NotAnEnvelope(MessageBody body, ContentType? contentType, SerializationException? error)
    {
        var bytes = body.GetBytes();
        return new NotAnEnvelopeException(
            $"message is not a MassTransit envelope: {Describe(bytes, error)} (content type {contentType?.MediaType ?? "none"}, {bytes.Length} bytes: {Preview(bytes)}). "
            + "SegLoop's queues take only MassTransit's JSON envelope, {\"messageType\": [\"urn:message:...\"], \"message\": {...}}: "
            + "publish with MassTransit, or wrap the message in that envelope.");
    }

    /// <summary>What the body is, when it is not an envelope: one clause, e.g. "the JSON object has no \"message\" property".</summary>
    internal static string Describe(ReadOnlySpan<byte> body, Exception? error)
    {
        if (body.IsEmpty)
            return "the body is empty";
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read())
                return "the body holds no JSON value";
            if (reader.TokenType != JsonTokenType.StartObject)
                return $"the body is a JSON {Kind(reader.TokenType)}, not an object";
            JsonTokenType? message = null;
            var messageTypes = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // MassTransit reads the envelope's property names regardless of case.
                var name = reader.GetString();
                var isMessage = string.Equals(name, "message", StringComparison.OrdinalIgnoreCase);
                var isMessageType = string.Equals(name, "messageType", StringComparison.OrdinalIgnoreCase);
                reader.Read();
                if (isMessage)
                    message = reader.TokenType;
                if (isMessageType && reader.TokenType == JsonTokenType.StartArray)
                {
                    messageTypes = CountStrings(ref reader);
                    continue;
                }
                if (isMessageType)
                    messageTypes = 0;
                reader.Skip();
            }
            if (message is null or JsonTokenType.Null)
                return "the JSON object has no \"message\" property (a bare message, not an envelope around it)";
            if (messageTypes <= 0)
                return "the envelope names no message type (\"messageType\" is missing or empty)";
        }
        catch (JsonException e)
        {
            return $"the body is not JSON ({e.Message})";
        }
        return error is null ? "the envelope cannot be read" : $"the envelope cannot be read ({error.GetBaseException().Message})";
    }

    private static int CountStrings(ref Utf8JsonReader reader)
    {
        var strings = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                strings++;
            reader.Skip();
        }
        return strings;
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>The first 60 bytes of the body as text in quotes: control characters as \xNN, bytes that are not UTF-8 as '?'.</summary>
    internal static string Preview(ReadOnlySpan<byte> body)
    {
        const int MaxBytes = 60;
        var text = new StringBuilder("'");
        foreach (var rune in Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxBytes)]).EnumerateRunes())
        {
            if (Rune.IsControl(rune))
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{rune.Value:X2}");
            else if (rune == Rune.ReplacementChar)
                text.Append('?'); // not UTF-8
            else
                text.Append(rune.ToString());
        }
        return text.Append(body.Length > MaxBytes ? "'..." : "'").ToString();
    }
}

/// <summary>Registers <see cref="EnvelopeDeserializer"/> for MassTransit's JSON content type, the default for messages without one.</summary>
internal sealed class EnvelopeDeserializerFactory : ISerializerFactory
{
    public ContentType ContentType => SystemTextJsonMessageSerializer.JsonContentType;

    public IMessageSerializer CreateSerializer() => SystemTextJsonMessageSerializer.Instance;

    public IMessageDeserializer CreateDeserializer() => new EnvelopeDeserializer(new SystemTextJsonMessageSerializer(ContentType));
}
