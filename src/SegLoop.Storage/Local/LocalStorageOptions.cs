using System.ComponentModel.DataAnnotations;

namespace SegLoop.Storage.Local;

/// <summary>Settings of the local-folder store (the embedded default), section <c>Storage:Local</c>.</summary>
public sealed class LocalStorageOptions
{
    public const string SectionName = "Storage:Local";

    /// <summary>Folder that holds the blobs; relative paths resolve against the working directory.</summary>
    [Required(ErrorMessage = "Storage:Local:Root is required: the folder that holds the blobs.")]
    public string Root { get; set; } = "./segloop-data";
}
