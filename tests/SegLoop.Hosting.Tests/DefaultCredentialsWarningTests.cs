using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SegLoop.Hosting.Tests;

/// <summary>guest/guest is for local development: pointed at a broker elsewhere, the process says so at start.</summary>
public sealed class DefaultCredentialsWarningTests
{
    [Theory]
    [InlineData("rabbitmq", "guest", true)]
    [InlineData("10.0.0.7", "guest", true)]
    [InlineData("rabbitmq.prod.example", "guest", true)]
    [InlineData("localhost", "guest", false)]
    [InlineData("127.0.0.1", "guest", false)]
    [InlineData("[::1]", "guest", false)]
    [InlineData("rabbitmq", "s3cr3t-from-vault", false)]
    public void UsesDefaultPasswordOffLoopback_HostAndPassword_TrueOnlyForGuestOffLoopback(string host, string password, bool expected)
    {
        var options = new RabbitMqOptions { Host = host, Password = password };

        Assert.Equal(expected, options.UsesDefaultPasswordOffLoopback());
    }

    [Fact]
    public void UsesDefaultPasswordOffLoopback_PasswordFileHoldsGuest_True()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "guest\n");
            var options = new RabbitMqOptions { Host = "rabbitmq", Password = "not-used", PasswordFile = file };

            Assert.True(options.UsesDefaultPasswordOffLoopback());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("rabbitmq", null, true)]
    [InlineData("localhost", null, false)]
    [InlineData("rabbitmq", "s3cr3t-from-vault", false)]
    public void AddSegLoopBus_RabbitMqCredentials_WarnsOnlyForDefaultPasswordOffLoopback(string host, string? password, bool warns)
    {
        var captured = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        var settings = new Dictionary<string, string?> { ["Bus:Transport"] = "RabbitMq", ["Bus:RabbitMq:Host"] = host };
        if (password is not null)
            settings["Bus:RabbitMq:Password"] = password;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSegLoopDefaults("credentials-tests");
        builder.Logging.AddProvider(captured);
        builder.AddSegLoopBus(_ => { });
        using var app = builder.Build();

        // Creating the bus configures the transport (and logs); it connects only when started, which this test never does.
        _ = app.Services.GetRequiredService<IBusControl>();

        var warnings = captured.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("Bus:RabbitMq:Password", StringComparison.Ordinal)).ToList();
        Assert.Contains(captured.Entries, e => e.Message.StartsWith("Bus transport RabbitMq", StringComparison.Ordinal));
        Assert.Equal(warns ? 1 : 0, warnings.Count);
        if (warns)
            Assert.Contains(host, warnings[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(captured.Entries, e => password is not null && e.Message.Contains(password, StringComparison.Ordinal));
    }
}
