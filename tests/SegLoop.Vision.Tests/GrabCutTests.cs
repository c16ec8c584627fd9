namespace SegLoop.Vision.Tests;

public sealed class GrabCutTests
{
    private const int Size = 120;

    // A bright, slightly noisy disk on a dark noisy background (BGR), and the disk as ground truth.
    private static (Image Image, Mask Truth) Scene()
    {
        var truth = MaskOpsTests.Disk(Size, Size, 60, 60, 30);
        var random = new Random(7);
        var pixels = new byte[Size * Size * 3];
        for (var i = 0; i < Size * Size; i++)
        {
            var foreground = truth.Data[i] != 0;
            for (var c = 0; c < 3; c++)
                pixels[(i * 3) + c] = (byte)(foreground ? random.Next(190, 240) : random.Next(10, 70));
        }
        return (Image.FromPixels(Size, Size, 3, pixels), truth);
    }

    [Fact]
    public void FromRect_BrightDiskOnNoise_MatchesTheDisk()
    {
        var (image, truth) = Scene();
        using (image)
        {
            var mask = GrabCut.FromRect(image, new Rect(20, 20, 80, 80), iterations: 5);

            Assert.True(mask.IntersectionOverUnion(truth) > 0.9, $"IoU {mask.IntersectionOverUnion(truth):F3}");
        }
    }

    [Fact]
    public void FromSeeds_CentreSeedInProbableBackground_MatchesTheDisk()
    {
        var (image, truth) = Scene();
        using (image)
        {
            var seeds = new GrabCutLabel[Size * Size];
            Array.Fill(seeds, GrabCutLabel.ProbableBackground);
            var centre = MaskOpsTests.Disk(Size, Size, 60, 60, 8);
            var ring = MaskOpsTests.Disk(Size, Size, 60, 60, 34);
            for (var i = 0; i < seeds.Length; i++)
            {
                if (ring.Data[i] != 0)
                    seeds[i] = GrabCutLabel.ProbableForeground;
                if (centre.Data[i] != 0)
                    seeds[i] = GrabCutLabel.Foreground;
            }

            var mask = GrabCut.FromSeeds(image, new Rect(10, 10, 100, 100), seeds, iterations: 5);

            Assert.True(mask.IntersectionOverUnion(truth) > 0.9, $"IoU {mask.IntersectionOverUnion(truth):F3}");
        }
    }

    [Fact]
    public void FromSeeds_NoForeground_ThrowsVisionException()
    {
        var (image, _) = Scene();
        using (image)
        {
            var seeds = new GrabCutLabel[Size * Size];

            var ex = Assert.Throws<VisionException>(() => GrabCut.FromSeeds(image, new Rect(10, 10, 100, 100), seeds));
            Assert.Contains("foreground", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromRect_RectOutsideImage_ThrowsVisionException()
    {
        var (image, _) = Scene();
        using (image)
        {
            Assert.Throws<VisionException>(() => GrabCut.FromRect(image, new Rect(500, 500, 10, 10)));
        }
    }

    [Fact]
    public void FromRect_GreyImage_ThrowsVisionException()
    {
        using var grey = Image.FromPixels(10, 10, 1, new byte[100]);

        var ex = Assert.Throws<VisionException>(() => GrabCut.FromRect(grey, new Rect(2, 2, 5, 5)));
        Assert.Contains("three-channel", ex.Message, StringComparison.Ordinal);
    }
}
