using SegLoop.Vision;

namespace SegLoop.Inference.Tests;

/// <summary>Synthetic BGR images with known objects.</summary>
internal static class TestImages
{
    /// <summary>A width x height image of <paramref name="background"/> with filled rectangles of <paramref name="foreground"/>.</summary>
    public static Image Squares(int width, int height, byte background, byte foreground, params Rect[] squares)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inside = squares.Any(s => x >= s.X && x < s.Right && y >= s.Y && y < s.Bottom);
                pixels.AsSpan(((y * width) + x) * 3, 3).Fill(inside ? foreground : background);
            }
        }
        return Image.FromPixels(width, height, 3, pixels);
    }

    /// <summary>A mask of the given rectangles.</summary>
    public static Mask RectMask(int width, int height, params Rect[] rects)
    {
        var data = new byte[width * height];
        foreach (var r in rects)
        {
            for (var y = r.Y; y < r.Bottom; y++)
                data.AsSpan((y * width) + r.X, r.Width).Fill(1);
        }
        return Mask.FromBytes(width, height, data);
    }

    /// <summary>A noisy object on a noisy background, the kind GrabCut handles: PNG bytes.</summary>
    public static byte[] ObjectPng(int width, int height, Rect square, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inside = x >= square.X && x < square.Right && y >= square.Y && y < square.Bottom;
                var i = ((y * width) + x) * 3;
                pixels[i] = (byte)((inside ? 40 : 200) + random.Next(-20, 20));
                pixels[i + 1] = (byte)((inside ? 60 : 190) + random.Next(-20, 20));
                pixels[i + 2] = (byte)((inside ? 220 : 80) + random.Next(-20, 20));
            }
        }
        using var image = Image.FromPixels(width, height, 3, pixels);
        return image.EncodePng();
    }
}
