namespace SegLoop.Vision.Tests;

public sealed class ImageTests
{
    // 4 x 3 single-channel image whose pixel at (x, y) is 10 * y + x + 1.
    private static Image Small()
    {
        var pixels = new byte[12];
        for (var y = 0; y < 3; y++)
        {
            for (var x = 0; x < 4; x++)
                pixels[(y * 4) + x] = (byte)((10 * y) + x + 1);
        }
        return Image.FromPixels(4, 3, 1, pixels);
    }

    [Fact]
    public void Crop_WindowInside_CopiesThosePixels()
    {
        using var image = Small();
        using var crop = image.Crop(new Rect(1, 1, 2, 2));

        Assert.Equal((2, 2), (crop.Width, crop.Height));
        Assert.Equal(new byte[] { 12, 13, 22, 23 }, crop.Pixels.ToArray());
    }

    [Fact]
    public void Crop_WindowPastTopLeftAndBottomRight_PadsWithValue()
    {
        using var image = Small();
        using var crop = image.Crop(new Rect(-1, -1, 6, 5), padValue: 200);

        byte[] expected =
        [
            200, 200, 200, 200, 200, 200,
            200, 1, 2, 3, 4, 200,
            200, 11, 12, 13, 14, 200,
            200, 21, 22, 23, 24, 200,
            200, 200, 200, 200, 200, 200,
        ];
        Assert.Equal(expected, crop.Pixels.ToArray());
    }

    [Fact]
    public void Crop_WindowEntirelyOutside_IsAllPadding()
    {
        using var image = Small();
        using var crop = image.Crop(new Rect(10, -20, 3, 2), padValue: 7);

        Assert.Equal(Enumerable.Repeat((byte)7, 6), crop.Pixels.ToArray());
    }

    [Fact]
    public void Crop_ColourImagePartlyOutside_PadsEveryChannel()
    {
        using var image = Image.FromPixels(2, 1, 3, [1, 2, 3, 4, 5, 6]);
        using var crop = image.Crop(new Rect(1, 0, 2, 1), padValue: 9);

        Assert.Equal(new byte[] { 4, 5, 6, 9, 9, 9 }, crop.Pixels.ToArray());
    }

    [Fact]
    public void Crop_ZeroSize_ThrowsVisionException()
    {
        using var image = Small();

        var ex = Assert.Throws<VisionException>(() => image.Crop(new Rect(0, 0, 0, 2)));
        Assert.Contains("positive", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Interpolation.Area, 160, 120)]
    [InlineData(Interpolation.Linear, 321, 97)]
    [InlineData(Interpolation.Lanczos4, 1000, 750)]
    public void Resize_AnyInterpolation_GivesRequestedSize(Interpolation interpolation, int width, int height)
    {
        using var image = ImageCodec.Decode(TestImages.FirstCamVidPng());
        using var resized = image.Resize(width, height, interpolation);

        Assert.Equal((width, height, 3), (resized.Width, resized.Height, resized.Channels));
    }

    [Fact]
    public void Resize_AreaOfUniformImage_KeepsValue()
    {
        using var image = Image.FromPixels(8, 8, 1, Enumerable.Repeat((byte)77, 64).ToArray());
        using var resized = image.Resize(3, 5, Interpolation.Area);

        Assert.All(resized.Pixels.ToArray(), v => Assert.Equal(77, v));
    }

    [Fact]
    public void BgrToRgb_SwapsFirstAndThirdChannel()
    {
        using var image = Image.FromPixels(1, 1, 3, [10, 20, 30]);
        using var rgb = image.BgrToRgb();

        Assert.Equal(new byte[] { 30, 20, 10 }, rgb.Pixels.ToArray());
    }

    [Fact]
    public void FromPixels_WrongLength_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Image.FromPixels(4, 4, 3, new byte[10]));
    }

    [Fact]
    public void EncodeJpeg_FourChannels_ThrowsVisionException()
    {
        using var image = Image.FromPixels(2, 2, 4, new byte[16]);

        Assert.Throws<VisionException>(() => image.EncodeJpeg());
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrow()
    {
        var image = Small();
        image.Dispose();
        image.Dispose();
    }

    [Fact]
    public void UseAfterDispose_ThrowsObjectDisposedException()
    {
        var image = Small();
        image.Dispose();

        Assert.Throws<ObjectDisposedException>(() => image.Pixels.Length);
        Assert.Throws<ObjectDisposedException>(() => image.Crop(new Rect(0, 0, 1, 1)));
        Assert.Throws<ObjectDisposedException>(() => image.Resize(2, 2, Interpolation.Area));
        Assert.Throws<ObjectDisposedException>(() => image.EncodePng());
        Assert.Throws<ObjectDisposedException>(() => Mask.FromImage(image));
    }
}
