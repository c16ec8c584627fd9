using SegLoop.Testing;

namespace SegLoop.Cli.Tests.Errors;

[Collection(ConsoleCollection.Name)]
public sealed class ErrorsCommandAddressTests
{
    [Theory]
    [InlineData("amqp://user:s3cret@rabbit.example:5672/")]
    [InlineData("amqps://user:s3cret@rabbit.example:5671/prod")]
    [InlineData("amqp://rabbit.example/")]
    public void Parse_AmqpAddress_Accepted(string address)
    {
        var parse = SegLoopCommand.Create().Parse(["errors", "list", "--rabbitmq", address]);

        Assert.Empty(parse.Errors);
    }

    [Theory]
    [InlineData("ftp://user:s3cret@rabbit.example/")]
    [InlineData("user:s3cret@rabbit.example")]
    [InlineData("amqp://user:s3cret@/")]
    public void Parse_NotAnAmqpAddress_ErrorWithoutThePassword(string address)
    {
        var parse = SegLoopCommand.Create().Parse(["errors", "list", "--rabbitmq", address]);

        var error = Assert.Single(parse.Errors).Message;
        Assert.Contains("--rabbitmq", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_BrokerUnreachable_OneLineWithoutThePasswordAndExit2()
    {
        using var console = new ConsoleCapture();

        var rc = await SegLoopCommand.Create().Parse(["errors", "list", "--rabbitmq", "amqp://user:s3cret@127.0.0.1:9/"]).InvokeAsync();

        Assert.Equal(2, rc);
        Assert.StartsWith("segloop errors list: Cannot reach RabbitMQ at amqp://127.0.0.1:9/", console.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", console.Error + console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_RigAmqpUriAndManagementAddress_ListsQueues()
    {
        using var console = new ConsoleCapture();

        var rc = await SegLoopCommand.Create()
            .Parse(["errors", "list", "--rabbitmq", Rig.RabbitMqUri.ToString(), "--management", Rig.RabbitMqManagementUri.ToString()]).InvokeAsync();

        Assert.True(rc == 0, console.Error);
        Assert.Contains("error queue", console.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Rig.RabbitMqUri.UserInfo.Split(':')[1], console.Error + console.Output, StringComparison.Ordinal);
    }
}
