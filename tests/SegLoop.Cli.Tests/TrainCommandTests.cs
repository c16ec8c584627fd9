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
        await File.WriteAllTextAsync(In("mini.json"), CocoMiniSubset.Json(4));
        var ingest = await SegLoopProcess.RunAsync(_dir.FullName,
            ["ingest", "coco", "--annotations", In("mini.json"), "--images", SharedData.CocoMiniImages, "--customer", "acme", "--project", "mini",
             "--domain", "everyday", "--data", In("store"), "--json"]);
        Assert.True(ingest.ExitCode is 0 or 1, $"ingest exit {ingest.ExitCode}: {ingest.Stderr}");
        var build = await SegLoopProcess.RunAsync(_dir.FullName, ["dataset", "build", "--date", "2026-12-03", "--data", In("store"), "--json"],
            new Dictionary<string, string> { ["CropBuilder__Dataset__TrainFraction"] = "0.5", ["CropBuilder__Dataset__ValFraction"] = "0" });
        Assert.True(build.ExitCode == 0, $"dataset build exit {build.ExitCode}: {build.Stderr}");

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
        Assert.Contains("LightGBM", train.Stderr, StringComparison.Ordinal);
    }
}
