using SegLoop.Cli;

namespace SegLoop.Cli.Tests;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_Once_WritesDemoInputAndExitsWhenIdle()
    {
        var data = Directory.CreateTempSubdirectory("segloop-run-");
        try
        {
            var exitCode = await SegLoopCommand.Create().Parse(["run", "--once", "--idle", "00:00:00.5", "--data", data.FullName]).InvokeAsync();

            Assert.Equal(0, exitCode);
            var png = await File.ReadAllBytesAsync(Path.Combine(data.FullName, DemoInput.ImageKey));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.True(File.Exists(Path.Combine(data.FullName, DemoInput.AnnotationKey)));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Parse_UnknownOption_FailsWithNonZeroExit()
    {
        var exitCode = await SegLoopCommand.Create().Parse(["run", "--no-such-option"]).InvokeAsync();

        Assert.NotEqual(0, exitCode);
    }
}
