namespace SegLoop.Testing;

/// <summary>
/// The real public test data in ../shared/data beside the repository, read in place and never copied.
/// Set SEGLOOP_SHARED_DATA to read it from somewhere else.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string CocoMini => Path("coco-mini");
    public static string CocoMiniAnnotations => Path("coco-mini", "annotations", "instances_train2017.json");
    public static string CocoMiniImages => Path("coco-mini", "train2017");
    public static string EcssdDev => Path("ecssd-dev");
    public static string CamVidDev => Path("camvid-dev");
    public static string VocLabelme => Path("voc-labelme");
    public static string RleVectors => Path("rle-vectors.json");

    private static string Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SEGLOOP_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnv))
            return Directory.Exists(fromEnv) ? fromEnv : throw new DirectoryNotFoundException($"SEGLOOP_SHARED_DATA={fromEnv} does not exist.");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (File.Exists(System.IO.Path.Combine(candidate, "SOURCES.md")))
                return candidate;
        }
        throw new DirectoryNotFoundException(
            "The shared test data (../shared/data beside the repository) was not found; set SEGLOOP_SHARED_DATA.");
    }
}
