using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace SegLoop.Cli.Errors;

/// <summary>
/// Inspects and replays MassTransit error queues on RabbitMQ, for <c>segloop errors list|replay</c>.
/// MassTransit moves a message that exhausted its retries from queue <c>q</c> to <c>q_error</c>, adding
/// <c>MT-Fault-*</c> headers. Replay republishes it, body and headers intact minus the fault headers,
/// to the exchange MassTransit bound to <c>q</c> (named <c>q</c>), waits for the broker's publisher
/// confirm, and only then acks it off the error queue: one message at a time, so a failure at any
/// point leaves every message in one of the two queues (at worst a duplicate, never a loss).
/// </summary>
public sealed class ErrorQueueClient : IAsyncDisposable
{
    public const string ErrorQueueSuffix = "_error";
    private const string FaultHeaderPrefix = "MT-Fault-";
    private const string ReasonHeader = "MT-Reason";

    private readonly IConnection _connection;
    private readonly HttpClient _management;
    private readonly string _virtualHost;

    private ErrorQueueClient(IConnection connection, HttpClient management, string virtualHost)
    {
        _connection = connection;
        _management = management;
        _virtualHost = virtualHost;
    }

    /// <summary>
    /// Connects to the broker. <paramref name="amqpUri"/> is <c>amqp://user:password@host:port/vhost</c>;
    /// <paramref name="managementUri"/> is the management API's base (default: same host, port 15672,
    /// same credentials), used only to list queues.
    /// </summary>
    public static async Task<ErrorQueueClient> ConnectAsync(Uri amqpUri, Uri? managementUri = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(amqpUri);
        var factory = new ConnectionFactory { Uri = amqpUri, ClientProvidedName = "segloop errors" };
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException ex)
        {
            throw new ErrorQueueException($"Cannot reach RabbitMQ at {Redact(amqpUri)}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        var management = new HttpClient
        {
            BaseAddress = managementUri ?? (string.Equals(amqpUri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase)
                ? new UriBuilder(Uri.UriSchemeHttps, amqpUri.Host, 15671).Uri
                : new UriBuilder(Uri.UriSchemeHttp, amqpUri.Host, 15672).Uri),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var credentials = $"{factory.UserName}:{factory.Password}";
        management.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return new ErrorQueueClient(connection, management, factory.VirtualHost);
    }

    /// <summary>Every <c>*_error</c> queue of the virtual host with its exact ready-message count, by name.</summary>
    public async Task<IReadOnlyList<ErrorQueueInfo>> ListErrorQueuesAsync(CancellationToken cancellationToken = default)
    {
        var names = await ListQueueNamesAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<ErrorQueueInfo>();
        await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var name in names.Where(IsErrorQueue).Order(StringComparer.Ordinal))
        {
            // The management API's counts lag by its stats interval; the passive declare is exact.
            var ok = await channel.QueueDeclarePassiveAsync(name, cancellationToken).ConfigureAwait(false);
            result.Add(new ErrorQueueInfo(name, SourceQueueOf(name), ok.MessageCount));
        }
        return result;
    }

    /// <summary>
    /// Up to <paramref name="max"/> messages from the head of an error queue, left in place and in order
    /// (fetched unacknowledged, then all returned to the queue).
    /// </summary>
    public async Task<IReadOnlyList<FailedMessage>> PeekAsync(string queue, int max = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var errorQueue = ToErrorQueue(queue);
        await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var available = await DeclarePassiveAsync(channel, errorQueue, cancellationToken).ConfigureAwait(false);
        var messages = new List<FailedMessage>();
        ulong lastTag = 0;
        try
        {
            for (var i = 0; i < Math.Min(max, available); i++)
            {
                var got = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken).ConfigureAwait(false);
                if (got is null)
                    break;
                lastTag = got.DeliveryTag;
                messages.Add(Describe(errorQueue, got.BasicProperties, got.Body.Span));
            }
        }
        finally
        {
            if (lastTag != 0)
                await channel.BasicNackAsync(lastTag, multiple: true, requeue: true, CancellationToken.None).ConfigureAwait(false);
        }
        return messages;
    }

    /// <summary>
    /// Moves messages from <c>&lt;queue&gt;_error</c> back to <c>&lt;queue&gt;</c>: all that were there when
    /// the replay started (<paramref name="messageId"/> null), or only the one with that message id.
    /// <paramref name="queue"/> may name either the source queue or its error queue.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(string queue, string? messageId = null, CancellationToken cancellationToken = default)
    {
        var errorQueue = ToErrorQueue(queue);
        var target = SourceQueueOf(errorQueue);
        var (exchange, routingKey) = await ResolveTargetAsync(target, cancellationToken).ConfigureAwait(false);

        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
        await using var channel = await _connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
        // Only what is there now: a message that faults again while we replay is not taken twice.
        var toVisit = await DeclarePassiveAsync(channel, errorQueue, cancellationToken).ConfigureAwait(false);

        var replayed = new List<string>();
        var held = new List<ulong>(); // not selected: kept unacknowledged so we move past them, then returned
        try
        {
            for (long i = 0; i < toVisit; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var got = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken).ConfigureAwait(false);
                if (got is null)
                    break;
                if (messageId is not null && got.BasicProperties.MessageId != messageId)
                {
                    held.Add(got.DeliveryTag);
                    continue;
                }

                var properties = WithoutFaultHeaders(got.BasicProperties);
                var body = got.Body.ToArray();
                try
                {
                    // Returns once the broker confirmed it; mandatory: an unroutable message is an error, not a drop.
                    await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
                }
                catch (PublishException ex)
                {
                    held.Add(got.DeliveryTag);
                    throw new ErrorQueueException(
                        $"The broker did not accept message {got.BasicProperties.MessageId ?? "(no id)"} for '{target}' " +
                        $"({(ex.IsReturn ? "unroutable: nothing bound to exchange '" + exchange + "'" : "negative confirm")}); it stays in '{errorQueue}'.", ex);
                }
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
                replayed.Add(got.BasicProperties.MessageId ?? "(no id)");
                if (messageId is not null)
                    break;
            }
        }
        finally
        {
            foreach (var tag in held)
                await channel.BasicNackAsync(tag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
        }

        if (messageId is not null && replayed.Count == 0)
            throw new ErrorQueueException($"No message with id '{messageId}' in '{errorQueue}'.");
        return new ReplayResult(errorQueue, target, replayed, toVisit - replayed.Count);
    }

    public async ValueTask DisposeAsync()
    {
        _management.Dispose();
        await _connection.CloseAsync().ConfigureAwait(false);
        _connection.Dispose();
    }

    /// <summary>Copies the properties and headers, leaving out MassTransit's fault bookkeeping.</summary>
    public static BasicProperties WithoutFaultHeaders(IReadOnlyBasicProperties source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var properties = new BasicProperties
        {
            MessageId = source.MessageId,
            CorrelationId = source.CorrelationId,
            ContentType = source.ContentType,
            ContentEncoding = source.ContentEncoding,
            Type = source.Type,
            AppId = source.AppId,
            ReplyTo = source.ReplyTo,
            Persistent = true,
        };
        if (source.IsTimestampPresent())
            properties.Timestamp = source.Timestamp;
        if (source.IsPriorityPresent())
            properties.Priority = source.Priority;
        if (source.Headers is { } headers)
        {
            properties.Headers = headers
                .Where(h => !IsFaultHeader(h.Key))
                .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
        }
        return properties;
    }

    public static bool IsFaultHeader(string name) =>
        name.StartsWith(FaultHeaderPrefix, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, ReasonHeader, StringComparison.OrdinalIgnoreCase);

    private static bool IsErrorQueue(string name) =>
        name.Length > ErrorQueueSuffix.Length && name.EndsWith(ErrorQueueSuffix, StringComparison.Ordinal);

    private static string ToErrorQueue(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        return IsErrorQueue(queue) ? queue : queue + ErrorQueueSuffix;
    }

    private static string SourceQueueOf(string errorQueue) => errorQueue[..^ErrorQueueSuffix.Length];

    private async Task<long> DeclarePassiveAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            return ok.MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            throw new ErrorQueueException($"Queue '{queue}' does not exist in virtual host '{_virtualHost}'.", ex);
        }
    }

    /// <summary>MassTransit's exchange named after the queue; the default exchange when there is none.</summary>
    private async Task<(string Exchange, string RoutingKey)> ResolveTargetAsync(string queue, CancellationToken cancellationToken)
    {
        await using (var probe = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            await DeclarePassiveAsync(probe, queue, cancellationToken).ConfigureAwait(false);
        // A failed passive declare closes its channel, so each probe gets its own.
        await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.ExchangeDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            return (queue, string.Empty);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return (string.Empty, queue);
        }
    }

    private async Task<IReadOnlyList<string>> ListQueueNamesAsync(CancellationToken cancellationToken)
    {
        var path = $"api/queues/{Uri.EscapeDataString(_virtualHost)}?columns=name";
        HttpResponseMessage response;
        try
        {
            response = await _management.GetAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ErrorQueueException(
                $"Cannot reach the RabbitMQ management API at {_management.BaseAddress} (needed to list queues; " +
                $"is the management plugin on? pass its address explicitly): {ex.Message}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new ErrorQueueException($"The RabbitMQ management API at {_management.BaseAddress} answered {(int)response.StatusCode} {response.ReasonPhrase} to GET /{path}.");
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.EnumerateArray()
                .Select(q => q.GetProperty("name").GetString())
                .OfType<string>()
                .ToList();
        }
    }

    private static FailedMessage Describe(string errorQueue, IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body)
    {
        var headers = properties.Headers;
        var faultedAt = ParseTimestamp(HeaderText(headers, "MT-Fault-Timestamp"));
        if (faultedAt is null && properties.IsTimestampPresent())
            faultedAt = DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime);
        return new FailedMessage(
            errorQueue,
            properties.MessageId,
            MessageTypesOf(properties, body),
            HeaderText(headers, "MT-Fault-ExceptionType"),
            HeaderText(headers, "MT-Fault-Message"),
            faultedAt,
            body.Length);
    }

    private static IReadOnlyList<string> MessageTypesOf(IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body)
    {
        // MassTransit's JSON envelope lists the message's type URNs in "messageType".
        try
        {
            var reader = new Utf8JsonReader(body);
            if (JsonDocument.TryParseValue(ref reader, out var document))
            {
                using (document)
                {
                    if (document.RootElement.ValueKind == JsonValueKind.Object
                        && document.RootElement.TryGetProperty("messageType", out var types)
                        && types.ValueKind == JsonValueKind.Array)
                    {
                        return types.EnumerateArray().Select(t => t.GetString()).OfType<string>().ToList();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (raw or binary serializer): fall back to the AMQP type property.
        }
        return properties.Type is { Length: > 0 } type ? [type] : [];
    }

    private static string? HeaderText(IDictionary<string, object?>? headers, string name)
    {
        if (headers is null || !headers.TryGetValue(name, out var value) || value is null)
            return null;
        return value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var value) ? value : null;

    private static string Redact(Uri uri) => new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
}
