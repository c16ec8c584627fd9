using System.CommandLine;

namespace SegLoop.Cli;

/// <summary>Options several verbs share, so they read the same everywhere.</summary>
public static class CliOptions
{
    /// <summary><c>--data DIR</c>: the local folder store of the embedded default (ignored when Storage__Kind=S3).</summary>
    public static Option<DirectoryInfo> Data() => new Option<DirectoryInfo>("--data")
    {
        Description = "Folder of the local blob store (ignored when Storage__Kind=S3 is set in the environment).",
        DefaultValueFactory = _ => new DirectoryInfo("segloop-data"),
    }.DataFolder();
}
