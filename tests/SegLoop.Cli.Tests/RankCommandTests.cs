using System.Text.Json;
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

    public void Dispose() => _temp.Delete(recursive: true);
}
