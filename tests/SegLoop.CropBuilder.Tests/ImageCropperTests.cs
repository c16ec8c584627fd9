using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.CropBuilder.Tests;

public sealed class ImageCropperTests
{
    private static readonly CropBuilderOptions Defaults = new();

    private static async Task<(InMemoryBlobStore Store, List<(AnnotationNormalized Message, CropsEmitted Emitted)> Runs)> CropAllAsync()
    {
        var store = new InMemoryBlobStore();
        var cropper = CocoMini.Cropper(store);
        var runs = new List<(AnnotationNormalized, CropsEmitted)>();
        foreach (var document in CocoMini.Documents)
        {
            var message = await CocoMini.StoreAsync(store, document);
            runs.Add((message, await cropper.CropAsync(message, CancellationToken.None)));
        }
        return (store, runs);
    }

    [Fact]
    public async Task CropAsync_EveryCocoMiniCrop_CentralMaskPixelSetAndMaskIsTheWindowOfTheObject()
    {
        var (store, runs) = await CropAllAsync();
        var checkedCrops = 0;
        foreach (var (message, emitted) in runs)
        {
            var document = CocoMini.Documents.Single(d => d.Provenance.TaskId == message.TaskId);
            var rows = ImageCropper.ReadManifest(store.Blobs[emitted.ManifestKey], emitted.ManifestKey);
            Assert.Equal(emitted.CropKeys, rows.Select(r => r.CropKey).ToArray());

            // Every non-crowd instance above the minimum size has a crop; the rest are counted by reason.
            var eligible = document.Instances.Where(i => !i.IsCrowd && IsBigEnough(i)).Select(i => i.Id).ToArray();
            Assert.Equal(eligible, rows.Select(r => r.InstanceId).ToArray());
            Assert.Equal(document.Instances.Count(i => i.IsCrowd), emitted.SkippedCounts[ImageCropper.SkippedCrowd]);
            Assert.Equal(document.Instances.Count(i => !i.IsCrowd && !IsBigEnough(i)), emitted.SkippedCounts[ImageCropper.SkippedTooSmall]);

            foreach (var row in rows)
            {
                using var mask = ImageCodec.Decode(store.Blobs[row.MaskKey], new DecodeOptions { Mode = DecodeMode.Grayscale });
                using var crop = ImageCodec.Decode(store.Blobs[row.CropKey]);
                Assert.Equal((row.CropWidth, row.CropHeight), (mask.Width, mask.Height));
                Assert.Equal((row.CropWidth, row.CropHeight), (crop.Width, crop.Height)); // never resized
                var pixels = mask.Pixels;
                // The central pixel (w / 2, h / 2), integer division, is set: the object owns it.
                Assert.True(pixels[(row.CropHeight / 2 * row.CropWidth) + (row.CropWidth / 2)] == 255,
                    $"{row.CropKey}: central pixel ({row.CropWidth / 2},{row.CropHeight / 2}) of the mask is not set");
                Assert.Equal(row.Centre.X, row.Window.X + (row.Window.Width / 2));
                Assert.Equal(row.Centre.Y, row.Window.Y + (row.Window.Height / 2));

                // The mask is exactly the object, cut with the crop's window out of the full-image decode (0/255 only).
                var instance = document.Instances.Single(i => i.Id == row.InstanceId);
                var full = RleMask.FromContract(instance.Rle).Decode();
                long set = 0;
                for (var y = 0; y < row.CropHeight; y++)
                {
                    for (var x = 0; x < row.CropWidth; x++)
                    {
                        int sx = row.Window.X + x, sy = row.Window.Y + y;
                        var inside = sx >= 0 && sy >= 0 && sx < document.Width && sy < document.Height;
                        var expected = inside && full[(sy * document.Width) + sx] != 0 ? 255 : 0;
                        Assert.Equal(expected, pixels[(y * row.CropWidth) + x]);
                        set += expected / 255;
                    }
                }
                Assert.Equal(instance.Area, set); // the whole object is inside its crop

                // The padded box fits, padding drawn within 5-25% of the box per side.
                Assert.InRange(row.Padding.Left, (int)Math.Floor(0.05 * row.Bbox.Width), (int)Math.Ceiling(0.25 * row.Bbox.Width));
                Assert.InRange(row.Padding.Right, (int)Math.Floor(0.05 * row.Bbox.Width), (int)Math.Ceiling(0.25 * row.Bbox.Width));
                Assert.InRange(row.Padding.Top, (int)Math.Floor(0.05 * row.Bbox.Height), (int)Math.Ceiling(0.25 * row.Bbox.Height));
                Assert.InRange(row.Padding.Bottom, (int)Math.Floor(0.05 * row.Bbox.Height), (int)Math.Ceiling(0.25 * row.Bbox.Height));
                Assert.True(row.Window.X <= row.Bbox.X - row.Padding.Left && row.Window.X + row.Window.Width >= row.Bbox.X + row.Bbox.Width + row.Padding.Right);
                Assert.True(row.Window.Y <= row.Bbox.Y - row.Padding.Top && row.Window.Y + row.Window.Height >= row.Bbox.Y + row.Bbox.Height + row.Padding.Bottom);
                Assert.Equal($"crops/{CocoMini.TaxonomyVersion}/{CocoMini.Domain}/{AnnotationKeys.Segment(row.ClassName)}/{row.CropId}.jpg", row.CropKey);
                checkedCrops++;
            }
        }
        // coco-mini: 739 annotations; all but the crowd and the tiny ones are cropped.
        var expectedCrops = CocoMini.Documents.Sum(d => d.Instances.Count(i => !i.IsCrowd && IsBigEnough(i)));
        Assert.Equal(expectedCrops, checkedCrops);
        Assert.True(checkedCrops > 600, $"only {checkedCrops} crops");
        Assert.True(runs.Sum(r => r.Emitted.SkippedCounts[ImageCropper.SkippedCrowd]) > 0, "coco-mini has crowd regions; none were skipped");
        Assert.True(runs.Sum(r => r.Emitted.SkippedCounts[ImageCropper.SkippedTooSmall]) > 0, "coco-mini has tiny objects; none were skipped");
    }

    [Fact]
    public async Task CropAsync_TwoRunsIntoSeparateStores_ByteIdenticalObjects()
    {
        var (first, _) = await CropAllAsync();
        var (second, _) = await CropAllAsync();
        var firstCrops = first.Blobs.Where(b => b.Key.StartsWith("crop", StringComparison.Ordinal)).OrderBy(b => b.Key, StringComparer.Ordinal).ToList();
        var secondCrops = second.Blobs.Where(b => b.Key.StartsWith("crop", StringComparison.Ordinal)).OrderBy(b => b.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(firstCrops.Select(b => b.Key), secondCrops.Select(b => b.Key));
        Assert.True(firstCrops.Count > 1200);
        for (var i = 0; i < firstCrops.Count; i++)
            Assert.True(firstCrops[i].Value.AsSpan().SequenceEqual(secondCrops[i].Value), $"{firstCrops[i].Key} differs between runs");
    }

    [Fact]
    public async Task CropAsync_SameMessageTwice_SameKeysAndBytesNothingAdded()
    {
        var store = new InMemoryBlobStore();
        var cropper = CocoMini.Cropper(store);
        var message = await CocoMini.StoreAsync(store, CocoMini.Documents[3]);
        var once = await cropper.CropAsync(message, CancellationToken.None);
        var snapshot = store.Blobs.ToDictionary(b => b.Key, b => b.Value.ToArray(), StringComparer.Ordinal);
        var twice = await cropper.CropAsync(message, CancellationToken.None);
        Assert.Equal(once.CropKeys, twice.CropKeys);
        Assert.Equal(once.ManifestKey, twice.ManifestKey);
        Assert.Equal(snapshot.Keys.Order(StringComparer.Ordinal), store.Blobs.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, bytes) in snapshot)
            Assert.True(bytes.AsSpan().SequenceEqual(store.Blobs[key]), $"{key} changed on redelivery");
    }

    [Fact]
    public async Task CropDocumentAsync_ObjectsAtTheBorder_PaddedWithPadValueAndValidRegionRecorded()
    {
        // A 60x40 mid-grey image with a square in the top-left corner and one in the bottom-right.
        const int W = 60, H = 40;
        var pixels = Enumerable.Repeat((byte)128, W * H * 3).ToArray();
        using var image = Image.FromPixels(W, H, 3, pixels);
        var store = new InMemoryBlobStore();
        await store.PutBytesAsync("images/t/border.png", image.EncodePng());
        var document = Document("images/t/border.png", W, H,
            Instance("corner", Square(W, H, 0, 0, 12, 10)),
            Instance("far-corner", Square(W, H, 50, 33, 10, 7)),
            Instance("crowd", Square(W, H, 20, 10, 10, 10), crowd: true),
            Instance("tiny", Square(W, H, 30, 30, 3, 3)),
            Instance("thin", Square(W, H, 5, 25, 30, 2)));
        var cropper = CocoMini.Cropper(store, new CropBuilderOptions { PadValue = 7, MinArea = 20, MinSide = 3 });

        var result = await cropper.CropDocumentAsync(document, "tx", "test", CancellationToken.None);

        Assert.Equal(["corner", "far-corner"], result.Rows.Select(r => r.InstanceId).ToArray());
        Assert.Equal(1, result.SkippedCounts[ImageCropper.SkippedCrowd]);
        Assert.Equal(2, result.SkippedCounts[ImageCropper.SkippedTooSmall]);
        foreach (var row in result.Rows)
        {
            Assert.True(row.Window.X < 0 || row.Window.Y < 0 || row.Window.X + row.Window.Width > W || row.Window.Y + row.Window.Height > H,
                $"{row.InstanceId}: window {row.Window} does not leave the image");
            var vx0 = Math.Max(0, row.Window.X) - row.Window.X;
            var vy0 = Math.Max(0, row.Window.Y) - row.Window.Y;
            var vx1 = Math.Min(W, row.Window.X + row.Window.Width) - row.Window.X;
            var vy1 = Math.Min(H, row.Window.Y + row.Window.Height) - row.Window.Y;
            Assert.Equal(new PixelBox(vx0, vy0, vx1 - vx0, vy1 - vy0), row.ValidRegion);

            // The crop is the pad value outside the valid region and the image inside (PNG source: lossless; JPEG
            // output: within a small tolerance, measured away from the boundary where ringing lives).
            using var crop = ImageCodec.Decode(store.Blobs[row.CropKey]);
            var cp = crop.Pixels;
            for (var y = 0; y < crop.Height; y++)
            {
                for (var x = 0; x < crop.Width; x++)
                {
                    var inside = x >= row.ValidRegion.X && y >= row.ValidRegion.Y && x < row.ValidRegion.X + row.ValidRegion.Width && y < row.ValidRegion.Y + row.ValidRegion.Height;
                    var distance = inside
                        ? Math.Min(Math.Min(x - row.ValidRegion.X, row.ValidRegion.X + row.ValidRegion.Width - 1 - x), Math.Min(y - row.ValidRegion.Y, row.ValidRegion.Y + row.ValidRegion.Height - 1 - y))
                        : Math.Max(Math.Max(row.ValidRegion.X - x, x - (row.ValidRegion.X + row.ValidRegion.Width - 1)), Math.Max(row.ValidRegion.Y - y, y - (row.ValidRegion.Y + row.ValidRegion.Height - 1)));
                    if (distance < 3)
                        continue;
                    Assert.InRange(cp[((y * crop.Width) + x) * 3], inside ? 122 : 1, inside ? 134 : 13);
                }
            }
        }
    }

    [Fact]
    public async Task CropAsync_DocumentForAnotherImage_ClearError()
    {
        var store = new InMemoryBlobStore();
        var message = await CocoMini.StoreAsync(store, CocoMini.Documents[0]);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            CocoMini.Cropper(store).CropAsync(message with { ImageKey = "images/other.jpg" }, CancellationToken.None));
        Assert.Contains("images/other.jpg", e.Message);
    }

    private static bool IsBigEnough(AnnotationInstance i) =>
        i.Area >= Defaults.MinArea && i.Bbox.Width >= Defaults.MinSide && i.Bbox.Height >= Defaults.MinSide;

    private static RleMask Square(int w, int h, int x, int y, int sw, int sh)
    {
        var m = new byte[w * h];
        for (var yy = y; yy < y + sh; yy++)
            for (var xx = x; xx < x + sw; xx++)
                m[(yy * w) + xx] = 1;
        return RleMask.Encode(m, h, w);
    }

    private static AnnotationInstance Instance(string id, RleMask rle, bool crowd = false)
    {
        var b = rle.Bbox;
        return new AnnotationInstance
        {
            Id = id, ClassName = "thing", Rle = rle.ToContract(), Area = rle.Area,
            Bbox = new BoundingBox(b.X, b.Y, b.Width, b.Height), IsCrowd = crowd,
        };
    }

    private static AnnotationDocument Document(string imageKey, int w, int h, params AnnotationInstance[] instances) => new()
    {
        ImageKey = imageKey,
        Width = w,
        Height = h,
        Provenance = new Provenance { Customer = "c", Project = "p", Domain = "test", SourceFormat = "synthetic", TaskId = "border" },
        Instances = instances,
        TaxonomyVersion = "tx",
    };
}
