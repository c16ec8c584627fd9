using System.Text.Json;

namespace SegLoop.Cli.Tests;

/// <summary>The first N images of coco-mini, ingested and built into a dataset by the CLI as processes, in a test's folder.</summary>
internal static class CocoMiniSubset
{
    public static string Json(int images)
    {
        using var coco = JsonDocument.Parse(File.ReadAllBytes(SharedData.CocoMiniAnnotations));
        var kept = coco.RootElement.GetProperty("images").EnumerateArray().Take(images).ToList();
        var ids = kept.Select(i => i.GetProperty("id").GetInt64()).ToHashSet();
        return JsonSerializer.Serialize(new
        {
            images = kept,
            annotations = coco.RootElement.GetProperty("annotations").EnumerateArray().Where(a => ids.Contains(a.GetProperty("image_id").GetInt64())).ToList(),
            categories = coco.RootElement.GetProperty("categories"),
        });
    }

    /// <summary>
    /// Ingests the first <paramref name="images"/> images into <c>store</c> under <paramref name="folder"/> as customer acme's
    /// <paramref name="project"/> in <paramref name="domain"/>, and builds dataset 2026-12-03 with the given train fraction
    /// (no val); returns the manifest path. Which split an image lands in is a stable hash of its key, project included.
    /// </summary>
    public static async Task<string> BuildDatasetAsync(string folder, int images, string project, string domain, double trainFraction)
    {
        var json = Path.Combine(folder, "subset.json");
        await File.WriteAllTextAsync(json, Json(images));
        var store = Path.Combine(folder, "store");
        var ingest = await SegLoopProcess.RunAsync(folder,
            ["ingest", "coco", "--annotations", json, "--images", SharedData.CocoMiniImages, "--customer", "acme", "--project", project,
             "--domain", domain, "--data", store, "--json"]);
        Assert.True(ingest.ExitCode is 0 or 1, $"ingest exit {ingest.ExitCode}: {ingest.Stderr}");
        var build = await SegLoopProcess.RunAsync(folder, ["dataset", "build", "--date", "2026-12-03", "--data", store, "--json"],
            new Dictionary<string, string>
            {
                ["CropBuilder__Dataset__TrainFraction"] = trainFraction.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CropBuilder__Dataset__ValFraction"] = "0",
            });
        Assert.True(build.ExitCode == 0, $"dataset build exit {build.ExitCode}: {build.Stderr}");
        using var result = JsonDocument.Parse(build.Stdout);
        return result.RootElement.GetProperty("manifest").GetString()!;
    }
}
