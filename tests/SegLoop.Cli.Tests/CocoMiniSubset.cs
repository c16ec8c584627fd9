using System.Text.Json;

namespace SegLoop.Cli.Tests;

/// <summary>The first N images of coco-mini with all their annotations, as a COCO json a test writes beside it.</summary>
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
}
