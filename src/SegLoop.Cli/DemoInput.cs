using System.Globalization;
using System.Text;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision;

namespace SegLoop.Cli;

/// <summary>
/// A tiny input <c>run --once</c> makes itself, so the loop runs with no data set at hand: a 160×120
/// image of a red car-like blob (an ellipse on a box) on a noisy grey road, its COCO instances file, the
/// <see cref="AnnotationTaskCompleted"/> that announces them, and a <see cref="PreAnnotationRequested"/>
/// for the same object from a loose box. Fixed keys and a fixed seed: running twice rewrites the same blobs.
/// </summary>
public static class DemoInput
{
    public const string TaskId = "demo-0001";
    public const string ImageKey = "images/demo/embedded/demo-0001.png";
    public const string AnnotationKey = "annotations/demo/embedded/demo-0001.coco.json";
    private const int Width = 160, Height = 120;
    private const double CentreX = 80, CentreY = 64, RadiusX = 44, RadiusY = 22;

    public static async Task<AnnotationTaskCompleted> WriteAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        using var image = Image.FromPixels(Width, Height, 3, Pixels());
        await store.PutBytesAsync(ImageKey, image.EncodePng(), "image/png", cancellationToken);
        await store.PutBytesAsync(AnnotationKey, Encoding.UTF8.GetBytes(Coco()), "application/json", cancellationToken);
        return new AnnotationTaskCompleted
        {
            TaskId = TaskId,
            Customer = "demo",
            Project = "embedded",
            Domain = "demo",
            ImageKey = ImageKey,
            AnnotationKey = AnnotationKey,
            SourceFormat = SourceFormats.Coco,
            FullScene = false,
        };
    }

    /// <summary>A pre-annotation request for the demo object, from a box a few pixels looser than the object.</summary>
    public static PreAnnotationRequested PreAnnotation() => new()
    {
        RequestId = TaskId + "-prelabel",
        ImageKey = ImageKey,
        Prompts = [new Prompt { Box = new BoundingBox(CentreX - RadiusX - 4, CentreY - RadiusY - 14, 2 * RadiusX + 8, 2 * RadiusY + 18), Label = "1" }],
        Domain = "demo",
    };

    private static bool Inside(int x, int y)
    {
        var dx = (x + 0.5 - CentreX) / RadiusX;
        var dy = (y + 0.5 - CentreY) / RadiusY;
        var body = dx * dx + dy * dy <= 1;
        var cabin = x >= CentreX - 18 && x < CentreX + 14 && y >= CentreY - RadiusY - 10 && y < CentreY;
        return body || cabin;
    }

    /// <summary>BGR pixels: the object in red, the road in noisy grey (a fixed seed, so the bytes never change).</summary>
    private static byte[] Pixels()
    {
        var pixels = new byte[Width * Height * 3];
        var noise = new Random(20261121);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var p = (y * Width + x) * 3;
                var grey = (byte)(110 + noise.Next(0, 30));
                (pixels[p], pixels[p + 1], pixels[p + 2]) = Inside(x, y) ? ((byte)35, (byte)30, (byte)(190 + noise.Next(0, 20))) : (grey, grey, grey);
            }
        }
        return pixels;
    }

    /// <summary>The object's outline as one COCO polygon, traced from the same shape the pixels draw.</summary>
    private static string Coco()
    {
        var mask = new byte[Width * Height];
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
                mask[y * Width + x] = Inside(x, y) ? (byte)1 : (byte)0;
        var outline = MaskOps.FindPolygons(Mask.FromBytes(Width, Height, mask), simplifyEpsilon: 1.0)[0].Outer;
        var polygon = string.Join(",", outline.SelectMany(p => new[] { p.X, p.Y }).Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return $$"""
            {"images":[{"id":1,"file_name":"demo-0001.png","width":{{Width}},"height":{{Height}}}],
             "annotations":[{"id":1,"image_id":1,"category_id":3,"iscrowd":0,"segmentation":[[{{polygon}}]]}],
             "categories":[{"id":3,"name":"car","supercategory":"vehicle"}]}
            """;
    }
}
