using System.ComponentModel.DataAnnotations;

namespace SegLoop.Storage;

public enum StorageKind
{
    /// <summary>A folder on the local disk (the embedded default).</summary>
    Local,

    /// <summary>An S3 bucket (AWS or any S3-compatible server).</summary>
    S3,
}

/// <summary>Which blob store a process uses, section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    [EnumDataType(typeof(StorageKind), ErrorMessage = "Storage:Kind must be Local or S3.")]
    public StorageKind Kind { get; set; } = StorageKind.Local;
}
