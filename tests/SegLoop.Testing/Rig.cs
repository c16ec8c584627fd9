namespace SegLoop.Testing;

/// <summary>
/// Addresses of the real services the integration tests talk to, started on free loopback ports by
/// scripts/rig/start.sh (scripts/test.sh does that). Integration tests never skip: without the rig
/// they fail with a message that says how to start it.
/// </summary>
public static class Rig
{
    public const string RabbitMqUriVariable = "SEGLOOP_TEST_RABBITMQ_URI";
    public const string RabbitMqManagementUriVariable = "SEGLOOP_TEST_RABBITMQ_MANAGEMENT_URI";
    public const string S3EndpointVariable = "SEGLOOP_TEST_S3_ENDPOINT";

    /// <summary>amqp://user:pass@127.0.0.1:port/ of the rig's RabbitMQ.</summary>
    public static Uri RabbitMqUri => new(Require(RabbitMqUriVariable));

    /// <summary>http://127.0.0.1:port/ of the rig's RabbitMQ management API.</summary>
    public static Uri RabbitMqManagementUri => new(Require(RabbitMqManagementUriVariable));

    /// <summary>http://127.0.0.1:port of the rig's S3 API server (moto_server, or s3rver).</summary>
    public static Uri S3Endpoint => new(Require(S3EndpointVariable));

    private static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
            return value;
        var envFile = RepoPaths.Path(".rig", "env");
        if (File.Exists(envFile))
        {
            foreach (var line in File.ReadAllLines(envFile))
            {
                var trimmed = line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line;
                var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && trimmed[..eq] == variable)
                    return trimmed[(eq + 1)..].Trim('"', '\'');
            }
        }
        throw new InvalidOperationException(
            $"{variable} is not set: the integration-test rig is not running. Run ./scripts/test.sh, " +
            "or start it with ./scripts/rig/start.sh (it writes .rig/env).");
    }
}
