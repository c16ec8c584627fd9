using System.Text.Json;

namespace SegLoop.Cli.Tests;

/// <summary>
/// <c>segloop evaluate --ground-truth dataset:SPLIT</c>: a model scored on the crops of a dataset split, as the nightly gate
/// scores it, from a real ingest and dataset build of two coco-mini images.
/// </summary>
public sealed class EvaluateDatasetTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segloop-evaluate-dataset-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string In(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public async Task Evaluate_DatasetTestSplit_ScoresEveryTestCropWithItsBox()
    {
        // Every image in the test split.
        var manifest = await CocoMiniSubset.BuildDatasetAsync(_dir.FullName, 2, "tiny", "indoor", trainFraction: 0);
        var testCrops = File.ReadAllLines(manifest).Count(line => line.Contains("\"split\":\"test\"", StringComparison.Ordinal));
        Assert.True(testCrops > 10, $"{testCrops} test crops in {manifest}");

        // The box segmenter fills each crop's prompt box: its IoU is the filled-box floor exactly when the prompt is the
        // object's tight box in crop pixels, and every test crop is one instance of the domain the ingest gave.
        var evaluate = await SegLoopProcess.RunAsync(_dir.FullName,
            ["evaluate", "--ground-truth", "dataset:test", "--segmenter", "box", "--data", In("store"), "--output", In("out/evaluation.json"), "--json"]);
        Assert.True(evaluate.ExitCode == 0, $"evaluate exit {evaluate.ExitCode}: {evaluate.Stderr}");
        using (var json = JsonDocument.Parse(evaluate.Stdout))
        {
            var overall = json.RootElement.GetProperty("summary").GetProperty("overall");
            Assert.Equal(testCrops, overall.GetProperty("instances").GetInt32());
            var boxIou = overall.GetProperty("filledBox").GetProperty("iou").GetDouble();
            Assert.InRange(boxIou, 0.05, 0.999);
            Assert.Equal(boxIou, overall.GetProperty("steps")[0].GetProperty("iou").GetDouble(), 6);
            var domains = json.RootElement.GetProperty("summary").GetProperty("domains").EnumerateArray().Select(d => d.GetProperty("domain").GetString()).ToList();
            Assert.Equal(["indoor"], domains);
        }
        Assert.Equal(testCrops, Directory.GetFiles(In("out/crops"), "*.jpg").Length);

        // The train split is empty here, and a split that does not exist is refused before any work.
        var empty = await SegLoopProcess.RunAsync(_dir.FullName, ["evaluate", "--ground-truth", "dataset:train", "--segmenter", "box", "--data", In("store")]);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("has no crop in its train split", empty.Stderr, StringComparison.Ordinal);
        var bogus = await SegLoopProcess.RunAsync(_dir.FullName, ["evaluate", "--ground-truth", "dataset:holdout", "--segmenter", "box", "--data", In("store")]);
        Assert.Equal(2, bogus.ExitCode);
        Assert.Contains("the split must be train, val or test", bogus.Stderr, StringComparison.Ordinal);
        var noDataset = await SegLoopProcess.RunAsync(_dir.FullName, ["evaluate", "--ground-truth", "dataset:test", "--segmenter", "box", "--data", In("nothing")]);
        Assert.Equal(2, noDataset.ExitCode);
        Assert.Contains("no dataset manifest", noDataset.Stderr, StringComparison.Ordinal);
    }
}
