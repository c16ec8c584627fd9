using SegLoop.CropBuilder.Geometry;
using SegLoop.Vision;

namespace SegLoop.CropBuilder;

/// <summary>A pixel rectangle as the manifest writes it.</summary>
public sealed record PixelBox(int X, int Y, int Width, int Height)
{
    public static PixelBox From(Rect r) => new(r.X, r.Y, r.Width, r.Height);

    public Rect ToRect() => new(X, Y, Width, Height);
}

/// <summary>A pixel position as the manifest writes it.</summary>
public sealed record PixelPoint(int X, int Y)
{
    public static PixelPoint From(Point p) => new(p.X, p.Y);
}

/// <summary>One crop in a per-image JSON-lines manifest: where it came from, how it was cut and where it is.</summary>
public sealed record CropManifestRow
{
    public required string CropId { get; init; }
    public required string CropKey { get; init; }
    public required string MaskKey { get; init; }
    public required string SourceImageKey { get; init; }
    public required string InstanceId { get; init; }
    public required string ClassName { get; init; }
    public string? SourceClassName { get; init; }
    public required string Domain { get; init; }
    public required string TaxonomyVersion { get; init; }
    public required string Customer { get; init; }
    public required string Project { get; init; }
    public required string TaskId { get; init; }
    public required string SourceFormat { get; init; }
    public required int SourceWidth { get; init; }
    public required int SourceHeight { get; init; }

    /// <summary>The object's tight box in the source image (from its decoded mask).</summary>
    public required PixelBox Bbox { get; init; }

    /// <summary>The object pixel the crop is centred on, in the source image; it is the crop's pixel (Width / 2, Height / 2).</summary>
    public required PixelPoint Centre { get; init; }

    /// <summary>The crop window in the source image; it may extend past the image.</summary>
    public required PixelBox Window { get; init; }

    /// <summary>Padding drawn per side, in pixels (the window holds at least this much around the box).</summary>
    public required Padding Padding { get; init; }

    /// <summary>The part of the crop inside the source image, in crop pixels; the rest is the pad value.</summary>
    public required PixelBox ValidRegion { get; init; }

    public required int CropWidth { get; init; }
    public required int CropHeight { get; init; }

    /// <summary>Object pixels (all inside the crop).</summary>
    public required long Area { get; init; }
}
