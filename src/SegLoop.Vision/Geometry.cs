namespace SegLoop.Vision;

/// <summary>An integer pixel rectangle; may extend past the image (crops pad the outside).</summary>
public readonly record struct Rect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;

    public int Bottom => Y + Height;
}

/// <summary>An integer pixel position (x to the right, y down).</summary>
public readonly record struct Point(int X, int Y);

public enum Interpolation
{
    /// <summary>Bilinear.</summary>
    Linear = 1,

    /// <summary>Pixel-area averaging: the right choice for shrinking.</summary>
    Area = 3,

    /// <summary>Lanczos over 8x8 neighbourhoods: sharp for enlarging, but not antialiased when shrinking (see <see cref="Resampling"/>).</summary>
    Lanczos4 = 4,
}
