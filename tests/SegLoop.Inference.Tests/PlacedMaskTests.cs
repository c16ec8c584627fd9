using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Inference.Tests;

/// <summary>The crop-sized mask placed in the image gives the same RLE and polygons as the pasted image-sized mask.</summary>
public sealed class PlacedMaskTests
{
    [Theory]
    [InlineData(0, 0, 30, 20)]    // window clipped at the top-left corner
    [InlineData(40, 30, 30, 25)]  // window clipped at the bottom-right corner
    [InlineData(20, 15, 20, 18)]  // window inside the image
    [InlineData(1, 1, 68, 53)]    // box almost the whole image
    public void ToRleAndFindPolygons_RandomBlobs_EqualImageMaskEncoding(int x, int y, int w, int h)
    {
        const int ImageWidth = 70, ImageHeight = 55;
        var random = new Random((x * 31) + y);
        var prompt = PromptGeometry.Prepare(new Prompt { Box = new BoundingBox(x, y, w, h) }, 0, ImageWidth, ImageHeight, PromptGeometry.DefaultPadding);
        var window = prompt.Window;
        var values = new float[window.Width * window.Height];
        // Blobs with holes and touching the window's edges, plus noise.
        for (var i = 0; i < values.Length; i++)
        {
            var cx = (i % window.Width) - (window.Width / 2.0);
            var cy = (i / window.Width) - (window.Height / 2.0);
            var r = Math.Sqrt((cx * cx) + (cy * cy));
            values[i] = (float)((r < window.Width / 2.5 && r > 3 ? 0.8 : 0.1) + (random.NextDouble() * 0.3));
        }
        var probabilities = new CropProbabilities(values, window.Width, window.Height);

        var placed = MaskPostprocessor.Finish(prompt, probabilities, 0.5, ImageWidth, ImageHeight);
        var full = placed.ToImageMask();

        Assert.True(full.Area > 0);
        var expectedRle = RleMask.Encode(full.Data, ImageHeight, ImageWidth);
        Assert.Equal(expectedRle.ToCompressedString(), placed.ToRle().ToCompressedString());
        var expectedPolygons = MaskOps.FindPolygons(full);
        var actualPolygons = placed.FindPolygons();
        Assert.Equal(expectedPolygons.Count, actualPolygons.Count);
        for (var i = 0; i < expectedPolygons.Count; i++)
        {
            Assert.Equal(expectedPolygons[i].Outer, actualPolygons[i].Outer);
            Assert.Equal(expectedPolygons[i].Holes.Count, actualPolygons[i].Holes.Count);
            for (var k = 0; k < expectedPolygons[i].Holes.Count; k++)
                Assert.Equal(expectedPolygons[i].Holes[k], actualPolygons[i].Holes[k]);
        }
    }

    [Fact]
    public void NormalizeBgr_RandomPixels_EqualsRgbFormulaBitForBit()
    {
        var random = new Random(3);
        const int Width = 13, Height = 7;
        var bgr = new byte[Width * Height * 3];
        random.NextBytes(bgr);
        var rgb = new byte[bgr.Length];
        for (var i = 0; i < bgr.Length; i += 3)
        {
            rgb[i] = bgr[i + 2];
            rgb[i + 1] = bgr[i + 1];
            rgb[i + 2] = bgr[i];
        }
        float[] mean = [0.485f, 0.456f, 0.406f];
        float[] std = [0.229f, 0.224f, 0.225f];
        var scale = 1f / rgb.Max();

        var tensor = new float[3 * 16 * 8];
        tensor.AsSpan().Fill(float.NaN); // a reused buffer: the padding must be overwritten
        OnnxBackend.NormalizeBgr(bgr, Width, Height, 16, 8, tensor);

        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var expected = x < Width && y < Height ? ((rgb[(((y * Width) + x) * 3) + c] * scale) - mean[c]) / std[c] : 0f;
                    Assert.Equal(expected, tensor[(c * 16 * 8) + (y * 16) + x]);
                }
            }
        }
    }
}
