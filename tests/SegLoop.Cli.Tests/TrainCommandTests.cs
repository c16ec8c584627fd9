using System.Text.Json;

namespace SegLoop.Cli.Tests;

/// <summary><c>segloop train refiner --json</c> as a nightly job's script reads it: one document on stdout, progress on stderr.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segloop-train-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string In(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public async Task TrainRefiner_Json_OneReportDocumentOnStdoutProgressOnStderr()
    {
        await CocoMiniSubset.BuildDatasetAsync(_dir.FullName, 4, "mini", "everyday", trainFraction: 0.5);

        // GrabCut as the base and a small forest: the verb's output is under test here, not the refiner.
        var train = await SegLoopProcess.RunAsync(_dir.FullName,
            ["train", "refiner", "--data", In("store"), "--base", "grabcut", "--trees", "5", "--pixels", "4000", "--no-promote", "--work", In("work"), "--json"]);

        Assert.True(train.ExitCode is 0 or 1, $"train exit {train.ExitCode}: {train.Stderr}");
        using var json = JsonDocument.Parse(train.Stdout);
        var report = json.RootElement.GetProperty("report");
        Assert.Equal("refiner", report.GetProperty("model").GetString());
        Assert.Equal("grabcut", report.GetProperty("settings").GetProperty("baseModel").GetString());
        Assert.True(report.GetProperty("trainCrops").GetInt32() > 0 && report.GetProperty("testCrops").GetInt32() > 0, train.Stdout);
        Assert.False(report.GetProperty("promoted").GetBoolean());
        Assert.Equal(train.ExitCode == 0, report.GetProperty("gatePassed").GetBoolean());
        var key = json.RootElement.GetProperty("reportKey").GetString()!;
        Assert.True(File.Exists(Path.Combine(In("store"), key)), key);
        Assert.True(json.RootElement.GetProperty("peakMemoryMiB").GetInt64() > 0);
        Assert.Contains("features", train.Stderr, StringComparison.Ordinal); // the first stage's bar; later ones may not be redrawn off a terminal
    }
}
