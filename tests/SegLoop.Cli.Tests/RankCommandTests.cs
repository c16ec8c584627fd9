using System.Globalization;
using System.Text.Json;
using SegLoop.ActiveLearning;
using SegLoop.Vision;

namespace SegLoop.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class RankCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("segloop-rank-");

    private string Data => Path.Combine(_temp.FullName, "data");

    private string Out => Path.Combine(_temp.FullName, "out");

    private static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var console = new ConsoleCapture();
        var previous = Console.Out;
        using var stdout = new StringWriter();
        Console.SetOut(stdout);
        try
        {
            var exitCode = await SegLoopCommand.Create().Parse(args).InvokeAsync();
            return (exitCode, stdout + console.Output, console.Error);
        }
        finally
        {
            Console.SetOut(previous);
        }
    }

    private string Folder(string name, int images, bool broken)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_temp.FullName, name)).FullName;
        for (var i = 0; i < images; i++)
        {
            var pixels = new byte[40 * 30 * 3];
            for (var p = 0; p < 40 * 30; p++)
            {
                var (x, y) = (p % 40, p / 40);
                pixels.AsSpan(p * 3, 3).Fill(x is > 10 and < 30 && y is > 8 && y < 22 ? (byte)(200 - (i * 20)) : (byte)(30 + (x * i % 17)));
            }
            using var image = Image.FromPixels(40, 30, 3, pixels);
            File.WriteAllBytes(Path.Combine(folder, $"img{i}.png"), image.EncodePng());
        }
        if (broken)
            File.WriteAllText(Path.Combine(folder, "broken.jpg"), "not a jpeg");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image, not ranked");
        return folder;
    }

    [Fact]
    public async Task Rank_EmptyFolder_ExitsBadInputSayingThereIsNothingToRank()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_temp.FullName, "empty")).FullName;

        var (exit, _, error) = await InvokeAsync("rank", "--images", empty, "--segmenter", "grabcut", "--out", Out, "--data", Data);

        Assert.Equal(RankCommand.BadInput, exit);
        Assert.Contains("holds no image", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("33")]
    public async Task Rank_PassesOutOfRange_ExitsBadInputNamingTheRange(string passes)
    {
        var (exit, _, error) = await InvokeAsync("rank", "--images", Folder("one", 1, false), "-D", passes, "--segmenter", "grabcut", "--out", Out, "--data", Data);

        Assert.Equal(RankCommand.BadInput, exit);
        Assert.Contains("must be within 1..32", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rank_FolderWithAnUnreadableImage_RanksTheRestWritesOutputsAndResumes()
    {
        var folder = Folder("mixed", 2, broken: true);
        string[] args = ["rank", "--images", folder, "-D", "2", "--segmenter", "grabcut", "--out", Out, "--data", Data, "--run-id", "test-run", "--json"];

        var (exit, output, _) = await InvokeAsync(args);

        Assert.Equal(RankCommand.Incomplete, exit);
        using (var json = JsonDocument.Parse(output))
        {
            var run = json.RootElement.GetProperty("run");
            Assert.Equal(3, run.GetProperty("items").GetInt32());
            Assert.Equal(2, run.GetProperty("ranked").GetInt32());
            var failure = Assert.Single(run.GetProperty("failures").EnumerateArray());
            Assert.Equal("broken.jpg", failure.GetProperty("item").GetString());
            Assert.Contains("cannot read", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        var csv = File.ReadAllLines(Path.Combine(Out, "ranking.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("image,score,mean_variance,mean_entropy", csv[0], StringComparison.Ordinal);
        Assert.Equal(["img0.png", "img1.png"], csv.Skip(1).Select(l => l.Split(',')[0]).Order());
        var boxFit = Array.IndexOf(csv[0].Split(','), "box_fit");
        Assert.All(csv.Skip(1), l => Assert.Equal("", l.Split(',')[boxFit])); // whole images: no box to fit
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(Path.Combine(Out, "report.html")), StringComparison.Ordinal);
        foreach (var file in new[] { "ranking.csv", "superpixels.json", "report.html" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(Out, file)), File.ReadAllBytes(Path.Combine(Data, "rankings", "test-run", file)));

        var again = await InvokeAsync(args);

        Assert.Equal(RankCommand.Incomplete, again.ExitCode);
        using var second = JsonDocument.Parse(again.Output);
        Assert.Equal(2, second.RootElement.GetProperty("run").GetProperty("skipped").GetInt32());
        Assert.Equal(0, second.RootElement.GetProperty("run").GetProperty("ranked").GetInt32());
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(Out, "ranking.csv")));
    }

    [Fact]
    public async Task Rank_StateFromOtherSettings_IsRefused()
    {
        var folder = Folder("settings", 1, broken: false);
        Assert.Equal(0, (await InvokeAsync("rank", "--images", folder, "-D", "1", "--segmenter", "grabcut", "--out", Out, "--data", Data)).ExitCode);

        var (exit, _, error) = await InvokeAsync("rank", "--images", folder, "-D", "2", "--segmenter", "grabcut", "--out", Out, "--data", Data);

        Assert.Equal(RankCommand.BadInput, exit);
        Assert.Contains("other settings", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rank_GroundTruthWithOneImage_CorrelationsNullNotAFailure()
    {
        // One image: no rank correlation exists. The evaluation says so (null) instead of failing to write NaN as JSON.
        var truth = Directory.CreateDirectory(Path.Combine(_temp.FullName, "truth")).FullName;
        var images = Folder(Path.Combine("truth", "images"), 1, broken: false);
        var mask = new byte[40 * 30];
        for (var y = 9; y < 22; y++)
            mask.AsSpan((y * 40) + 11, 19).Fill(255);
        using (var image = Image.FromPixels(40, 30, 1, mask))
            File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(truth, "masks")).FullName, "img0.png"), image.EncodePng());
        Assert.True(File.Exists(Path.Combine(images, "img0.png")));

        var (exit, output, error) = await InvokeAsync("rank", "--ground-truth", truth, "-D", "2", "--segmenter", "grabcut", "--out", Out, "--data", Data, "--json");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var evaluation = json.RootElement.GetProperty("evaluation");
        Assert.Equal(1, evaluation.GetProperty("items").GetInt32());
        foreach (var name in new[] { "spearman_variance", "spearman_entropy", "spearman_random" })
            Assert.Equal(JsonValueKind.Null, evaluation.GetProperty(name).ValueKind);
        Assert.True(File.Exists(Path.Combine(Out, "evaluation.json")));
    }

    [Fact]
    public async Task Rank_CocoGroundTruthBoxes_BoxFitPerItemAndItsSpearmanInTheEvaluation()
    {
        // One 60 x 40 scene with three annotated objects (a rectangle, a square, an L), each by its polygon; the picture
        // shows the rectangle whole, only the left half of the square and a short L, so the model's masks fit their boxes
        // well, half and partly, and its errors differ.
        var folder = Directory.CreateDirectory(Path.Combine(_temp.FullName, "scene")).FullName;
        var pixels = new byte[60 * 40 * 3];
        for (var p = 0; p < 60 * 40; p++)
        {
            var (x, y) = (p % 60, p / 60);
            var value = x is >= 5 and < 25 && y is >= 5 and < 20 ? 220
                : x is >= 35 and < 43 && y is >= 8 and < 23 ? 20
                : (x is >= 30 and < 45 && y is >= 30 and < 36) || (x is >= 30 and < 36 && y is >= 24 and < 36) ? 170
                : 90 + (((x * 7) + (y * 3)) % 11);
            pixels.AsSpan(p * 3, 3).Fill((byte)value);
        }
        using (var image = Image.FromPixels(60, 40, 3, pixels))
            File.WriteAllBytes(Path.Combine(folder, "scene.png"), image.EncodePng());
        var coco = Path.Combine(_temp.FullName, "scene.json");
        File.WriteAllText(coco, """
            {"images": [{"id": 1, "file_name": "scene.png", "width": 60, "height": 40}],
             "categories": [{"id": 1, "name": "thing"}],
             "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 300, "bbox": [5, 5, 20, 15], "segmentation": [[5, 5, 25, 5, 25, 20, 5, 20]]},
               {"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 225, "bbox": [35, 8, 15, 15], "segmentation": [[35, 8, 50, 8, 50, 23, 35, 23]]},
               {"id": 3, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 186, "bbox": [30, 24, 25, 12], "segmentation": [[30, 24, 36, 24, 36, 30, 55, 30, 55, 36, 30, 36]]}]}
            """);

        var (exit, output, error) = await InvokeAsync("rank", "--ground-truth", coco, "--images", folder, "-D", "2", "--segmenter", "grabcut",
            "--out", Out, "--data", Data, "--json");

        Assert.True(exit == 0, error);
        // Every box has its fit in ranking.csv, in [0, 1].
        var csv = File.ReadAllLines(Path.Combine(Out, "ranking.csv")).Select(l => l.Split(',')).ToList();
        var column = Array.IndexOf(csv[0], "box_fit");
        Assert.True(column > 0, string.Join(',', csv[0]));
        Assert.Equal(3, csv.Count - 1);
        Assert.All(csv.Skip(1), r => Assert.InRange(double.Parse(r[column], CultureInfo.InvariantCulture), 0, 1));
        // The evaluation correlates it with each box's error, as recorded in the state file (the model's mask's IoU).
        var state = File.ReadAllLines(Path.Combine(Out, "rank-state.jsonl")).Skip(1).Select(l => JsonDocument.Parse(l)).ToList();
        var fits = state.Select(d => d.RootElement.GetProperty("ranking").GetProperty("box_fit").GetDouble()).ToList();
        var errors = state.Select(d => 1 - d.RootElement.GetProperty("evaluation").GetProperty("iou").GetDouble()).ToList();
        state.ForEach(d => d.Dispose());
        var expected = RankingEvaluation.Spearman(fits, errors);
        using var json = JsonDocument.Parse(output);
        var evaluation = json.RootElement.GetProperty("evaluation");
        Assert.Equal(3, evaluation.GetProperty("box_fit_items").GetInt32());
        Assert.False(double.IsNaN(expected), $"box fits {string.Join(' ', fits)}, errors {string.Join(' ', errors)}: the test would check no correlation");
        Assert.Equal(Math.Round(expected, 4), evaluation.GetProperty("spearman_box_fit").GetDouble());
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
