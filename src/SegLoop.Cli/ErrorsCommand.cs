using System.CommandLine;
using Microsoft.Extensions.Configuration;
using SegLoop.Cli.Errors;
using SegLoop.Hosting;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary><c>segloop errors list|replay</c>: inspect and re-queue messages that ended in the <c>_error</c> queues.</summary>
public static class ErrorsCommand
{
    public static Command Create()
    {
        var command = new Command("errors", "Inspect and replay failed messages in RabbitMQ's _error queues.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Replay());
        return command;
    }

    private static Option<Uri?> Broker() => new("--rabbitmq")
    {
        Description = "amqp[s]://user:pass@host:port/vhost; default from Bus__RabbitMq__* settings.",
        CustomParser = r => AbsoluteUri(r, "--rabbitmq", "amqp", "amqps"),
    };

    private static Option<Uri?> Management() => new("--management")
    {
        Description = "RabbitMQ management API base address; default http://<host>:15672/ (https://<host>:15671/ for amqps).",
        CustomParser = r => AbsoluteUri(r, "--management", "http", "https"),
    };

    /// <summary>
    /// An absolute URI of one of <paramref name="schemes"/>. System.CommandLine has no converter for <see cref="Uri"/>
    /// (every amqp:// address was refused), and its own error quoted the whole token, password included; every
    /// message here names the address without its user information.
    /// </summary>
    internal static Uri? AbsoluteUri(System.CommandLine.Parsing.ArgumentResult result, string option, params string[] schemes)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase) && uri.Host.Length > 0)
            return uri;
        result.AddError($"{option} {RedactUserInfo(text)} is not an address of the form {schemes[0]}://user:password@host:port/...; " +
                        $"schemes: {string.Join(", ", schemes)}.");
        return null;
    }

    /// <summary>The text with anything between "://" and the last '@' before the path replaced by "***".</summary>
    internal static string RedactUserInfo(string text)
    {
        var start = text.IndexOf("://", StringComparison.Ordinal);
        var from = start < 0 ? 0 : start + 3;
        var pathStart = text.IndexOfAny(['/', '?', '#'], from);
        var authority = pathStart < 0 ? text[from..] : text[from..pathStart];
        var at = authority.LastIndexOf('@');
        return at < 0 ? text : text[..from] + "***" + text[(from + at)..];
    }

    private static Command List()
    {
        var broker = Broker();
        var management = Management();
        var peek = new Option<int>("--peek") { Description = "Also show up to N failed messages per queue.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("list", "Error queues with their message counts (and, with --peek, the failures).") { broker, management, peek };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await ErrorQueueClient.ConnectAsync(BrokerUri(parse.GetValue(broker)), parse.GetValue(management), cancellationToken);
            var queues = await client.ListErrorQueuesAsync(cancellationToken);
            var max = parse.GetValue(peek);
            if (parse.IsJson())
            {
                var rows = new List<object>();
                foreach (var q in queues)
                    rows.Add(new { queue = q.Name, sourceQueue = q.SourceQueue, messages = q.MessageCount,
                        failures = max > 0 && q.MessageCount > 0 ? await client.PeekAsync(q.Name, max, cancellationToken) : null });
                CliOutput.WriteJson(new { errorQueues = rows });
                return 0;
            }
            var table = new Table().AddColumns("error queue", "source queue", "messages");
            foreach (var q in queues)
                table.AddRow(Markup.Escape(q.Name), Markup.Escape(q.SourceQueue), q.MessageCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            if (max <= 0)
                return 0;
            foreach (var q in queues.Where(q => q.MessageCount > 0))
            {
                var failures = new Table().Title(Markup.Escape(q.Name)).AddColumns("message id", "type", "exception", "faulted at");
                foreach (var m in await client.PeekAsync(q.Name, max, cancellationToken))
                {
                    failures.AddRow(Markup.Escape(m.MessageId ?? "?"), Markup.Escape(string.Join(", ", m.MessageTypes)),
                        Markup.Escape($"{m.ExceptionType}: {m.ExceptionMessage}"), Markup.Escape(m.FaultedAt?.ToString("O") ?? ""));
                }
                AnsiConsole.Write(failures);
            }
            return 0;
        });
        return command;
    }

    private static Command Replay()
    {
        var broker = Broker();
        var management = Management();
        var queue = new Option<string>("--queue") { Description = "The service queue (or its _error queue).", Required = true };
        var messageId = new Option<string?>("--message-id") { Description = "Replay only this message." };
        var all = new Option<bool>("--all") { Description = "Replay every message in the error queue." };
        var command = new Command("replay", "Move failed messages back to their queue, one at a time, never losing one.")
        {
            broker, management, queue, messageId, all,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(messageId) is null == !result.GetValue(all))
                result.AddError("give exactly one of --message-id ID or --all.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var id = parse.GetValue(messageId);
            await using var client = await ErrorQueueClient.ConnectAsync(BrokerUri(parse.GetValue(broker)), parse.GetValue(management), cancellationToken);
            var result = await client.ReplayAsync(parse.GetValue(queue)!, id, cancellationToken);
            if (parse.IsJson())
            {
                CliOutput.WriteJson(result);
                return 0;
            }
            AnsiConsole.MarkupLine($"replayed [green]{result.Replayed}[/] from {Markup.Escape(result.ErrorQueue)} to {Markup.Escape(result.TargetQueue)}; {result.Remaining} remain");
            return 0;
        });
        return command;
    }


    private static Uri BrokerUri(Uri? given)
    {
        if (given is not null)
            return given;
        var options = new RabbitMqOptions();
        CliConfiguration.Build().GetSection("Bus:RabbitMq").Bind(options);
        var vhost = options.VirtualHost == "/" ? "" : Uri.EscapeDataString(options.VirtualHost);
        return new UriBuilder("amqp", options.Host, options.Port, vhost)
        {
            UserName = Uri.EscapeDataString(options.Username),
            Password = Uri.EscapeDataString(options.ResolvePassword()),
        }.Uri;
    }
}
