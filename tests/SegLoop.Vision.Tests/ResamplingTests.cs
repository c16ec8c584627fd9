namespace SegLoop.Vision.Tests;

/// <summary>Pillow-style antialiased Lanczos resampling: hand-derived values, invariants and a floating-point reference.</summary>
public sealed class ResamplingTests
{
    private static byte[] Resize(byte[] source, int width, int height, int channels, int targetWidth, int targetHeight)
    {
        var target = new byte[targetWidth * targetHeight * channels];
        Resampling.Lanczos(source, width, height, channels, target, targetWidth, targetHeight);
        return target;
    }

    [Theory]
    // Two pixels to one: the stretched kernel at -0.25 and +0.25 weighs both halves (2^21 each in 22-bit fixed
    // point), plus the 2^21 rounding term: (1 + a + b) * 2^21 >> 22 = floor((a + b + 1) / 2), rounding half up.
    [InlineData(10, 20, 15)]
    [InlineData(10, 21, 16)]
    [InlineData(0, 255, 128)]
    [InlineData(255, 255, 255)]
    public void TwoPixelsToOne_IsTheRoundedMean(byte a, byte b, byte expected)
    {
        Assert.Equal([expected], Resize([a, b], 2, 1, 1, 1, 1));
        Assert.Equal([expected], Resize([a, b], 1, 2, 1, 1, 1));
    }

    [Fact]
    public void SameSize_IsACopy()
    {
        var source = Random(7, 13 * 9 * 3);
        Assert.Equal(source, Resize(source, 13, 9, 3, 13, 9));
    }

    [Theory]
    [InlineData(37, 23, 320, 320)]
    [InlineData(640, 480, 320, 320)]
    [InlineData(5, 300, 320, 7)]
    public void ConstantImage_StaysConstant(int width, int height, int targetWidth, int targetHeight)
    {
        foreach (var value in new byte[] { 0, 1, 128, 254, 255 })
        {
            var source = Enumerable.Repeat(value, width * height * 3).ToArray();
            Assert.All(Resize(source, width, height, 3, targetWidth, targetHeight), v => Assert.Equal(value, v));
        }
    }

    [Fact]
    public void Shrinking_AveragesEverySourcePixel_NoAliasing()
    {
        // Stripes 255, 0, 0 (period 3), shrunk 4 times: the stretched filter sees twelve source pixels per output and
        // gives their mean, 85, everywhere; an unstretched kernel samples six and aliases into light and dark bands.
        const int Width = 3 * 4 * 32, Height = 8;
        var source = new byte[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x += 3)
                source[(y * Width) + x] = 255;
        }
        var result = Resize(source, Width, Height, 1, Width / 4, Height);
        // Away from the borders (where the kernel is cut and renormalised) every output is the mean.
        for (var y = 0; y < Height; y++)
        {
            for (var x = 4; x < (Width / 4) - 4; x++)
                Assert.InRange(result[(y * (Width / 4)) + x], 84, 86);
        }
    }

    [Fact]
    public void Channels_AreResampledIndependently()
    {
        const int Width = 41, Height = 29, TargetWidth = 320, TargetHeight = 300;
        var bgr = Random(3, Width * Height * 3);
        var result = Resize(bgr, Width, Height, 3, TargetWidth, TargetHeight);
        for (var c = 0; c < 3; c++)
        {
            var plane = Enumerable.Range(0, Width * Height).Select(i => bgr[(i * 3) + c]).ToArray();
            var alone = Resize(plane, Width, Height, 1, TargetWidth, TargetHeight);
            Assert.Equal(alone, Enumerable.Range(0, TargetWidth * TargetHeight).Select(i => result[(i * 3) + c]).ToArray());
        }
    }

    [Theory]
    [InlineData(110, 100, 320, 320)] // enlarging (a box crop to u2netp's input)
    [InlineData(601, 499, 320, 320)] // shrinking by a non-integer factor
    [InlineData(320, 77, 320, 320)]  // vertical only
    [InlineData(77, 320, 320, 320)]  // horizontal only
    [InlineData(33, 17, 7, 45)]      // one of each, row length not a multiple of the vector width
    public void MatchesAFloatingPointReference_WithinTwoRoundings(int width, int height, int targetWidth, int targetHeight)
    {
        var source = Smooth(width, height, 3);
        var result = Resize(source, width, height, 3, targetWidth, targetHeight);
        var reference = Reference(source, width, height, 3, targetWidth, targetHeight);
        var worst = result.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1.5, $"largest difference from the reference: {worst:F3}");
    }

    [Fact]
    public void WrongBufferSizes_NameTheExpectedLength()
    {
        var e = Assert.Throws<ArgumentException>(() => Resampling.Lanczos(new byte[10], 2, 2, 3, new byte[12], 2, 2));
        Assert.Contains("expected 12 source bytes", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Resampling.Lanczos(new byte[12], 2, 2, 3, new byte[11], 2, 2));
        Assert.Contains("expected 12 target bytes", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Independent reference in doubles: separable Lanczos-3, stretched by the scale when shrinking, normalised over the
    /// taps inside the image, no intermediate rounding. Pillow rounds after each pass, so results may differ by a level
    /// per pass.
    /// </summary>
    private static double[] Reference(byte[] source, int width, int height, int channels, int targetWidth, int targetHeight)
    {
        static double Lanczos(double x) => Math.Abs(x) >= 3 ? 0 : x == 0 ? 1 : 3 * Math.Sin(Math.PI * x) * Math.Sin(Math.PI * x / 3) / (Math.PI * Math.PI * x * x);
        static (int First, double[] Weights)[] Taps(int inSize, int outSize)
        {
            var scale = (double)inSize / outSize;
            var stretch = Math.Max(1, scale);
            return Enumerable.Range(0, outSize).Select(o =>
            {
                var centre = (o + 0.5) * scale;
                var first = Math.Max(0, (int)Math.Floor(centre - (3 * stretch)));
                var last = Math.Min(inSize - 1, (int)Math.Ceiling(centre + (3 * stretch)));
                var w = Enumerable.Range(first, last - first + 1).Select(i => Lanczos((i + 0.5 - centre) / stretch)).ToArray();
                var sum = w.Sum();
                return (first, w.Select(v => v / sum).ToArray());
            }).ToArray();
        }

        var across = Taps(width, targetWidth);
        var down = Taps(height, targetHeight);
        var temporary = new double[targetWidth * height * channels];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < targetWidth; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var (first, w) = across[x];
                    temporary[(((y * targetWidth) + x) * channels) + c] = w.Select((k, i) => k * source[(((y * width) + first + i) * channels) + c]).Sum();
                }
            }
        }
        var result = new double[targetWidth * targetHeight * channels];
        for (var y = 0; y < targetHeight; y++)
        {
            for (var x = 0; x < targetWidth; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var (first, w) = down[y];
                    var v = w.Select((k, i) => k * temporary[((((first + i) * targetWidth) + x) * channels) + c]).Sum();
                    result[(((y * targetWidth) + x) * channels) + c] = Math.Clamp(v, 0, 255);
                }
            }
        }
        return result;
    }

    /// <summary>A smooth image (overshoot, and so clipping, stays small) with a different pattern per channel.</summary>
    private static byte[] Smooth(int width, int height, int channels)
    {
        var pixels = new byte[width * height * channels];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < channels; c++)
                    pixels[(((y * width) + x) * channels) + c] = (byte)Math.Round(127.5 + (100 * Math.Sin((x * (0.11 + (0.05 * c))) + (y * 0.07 * (c + 1)))));
            }
        }
        return pixels;
    }

    private static byte[] Random(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
