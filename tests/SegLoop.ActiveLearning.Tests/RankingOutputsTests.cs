using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SegLoop.Vision;

namespace SegLoop.ActiveLearning.Tests;

public sealed class RankingOutputsTests
{
    private static ItemRanking Item(string id, double score, bool whole = true, params SuperpixelScore[] superpixels) =>
        new(id, id.Split('#')[0], whole ? [0, 0, 40, 30] : [5, 6, 10, 12], whole, 4, score, score, score * 2, superpixels, "AAAA", "BBBB",
            whole ? null : 0.25);

    private static SuperpixelScore Sp(int index, double score) => new(index, score, score, 0.5, 12, [0, 0, 4, 0, 4, 3]);

    [Fact]
    public void Csv_MostUncertainFirst_WithMeasureColumnsAndBoxAndBoxFitForCrops()
    {
        var csv = RankingOutputs.Csv(RankingOutputs.Order([Item("a.jpg", 0.01), Item("b.jpg#7", 0.03, whole: false), Item("c,d.jpg", 0.02)]));

        Assert.Equal(
            "image,score,mean_variance,mean_entropy,box_fit,passes,item,box_x,box_y,box_width,box_height\n"
            + "b.jpg,0.03,0.03,0.06,0.25,4,b.jpg#7,5,6,10,12\n"
            + "\"c,d.jpg\",0.02,0.02,0.04,,4,\"c,d.jpg\",,,,\n"
            + "a.jpg,0.01,0.01,0.02,,4,a.jpg,,,,\n", csv);
    }

    [Fact]
    public void Field_FormulaLookingName_IsDefused() => Assert.Equal("'=cmd.jpg", RankingOutputs.Field("=cmd.jpg"));

    [Fact]
    public void Choose_TopKAcrossThePool_MostUncertainFirst()
    {
        var chosen = RankingOutputs.Choose([Item("a.jpg", 0.1, true, Sp(0, 0.2), Sp(1, 0.9)), Item("b.jpg", 0.2, true, Sp(0, 0.5))], top: 2);

        Assert.Equal([("a.jpg", 0.9), ("b.jpg", 0.5)], chosen.Select(c => (c.Image, c.Score)));
    }

    [Fact]
    public void Build_ItemsInAnyOrder_SameBytes()
    {
        var items = new[] { Item("a.jpg", 0.1, true, Sp(0, 0.2)), Item("b.jpg", 0.1, true, Sp(0, 0.2)), Item("c.jpg", 0.3) };

        var one = RankingOutputs.Build(items, 10, "t");
        var other = RankingOutputs.Build(items.Reverse(), 10, "t");

        Assert.Equal(one.RankingCsv, other.RankingCsv);
        Assert.Equal(one.SuperpixelsJson, other.SuperpixelsJson);
        Assert.Equal(one.ReportHtml, other.ReportHtml);
    }

    [Fact]
    public void SuperpixelsJson_HasImagePolygonAndScore()
    {
        var json = RankingOutputs.Build([Item("a.jpg", 0.1, true, Sp(3, 0.7))], 10, "t").SuperpixelsJson;

        using var doc = JsonDocument.Parse(json);
        var first = doc.RootElement[0];
        Assert.Equal("a.jpg", first.GetProperty("image").GetString());
        Assert.Equal(0.7, first.GetProperty("score").GetDouble());
        Assert.Equal([0, 0, 4, 0, 4, 3], first.GetProperty("polygon").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Html_TopItemsWithPictureHeatMapAndChosenOutlines_SelfContained()
    {
        var items = Enumerable.Range(0, 30).Select(i => Item($"img{i:00}.jpg", i / 100.0, true, Sp(0, i / 10.0), Sp(1, 0))).ToList();
        var chosen = RankingOutputs.Choose(items, top: 5);

        var html = RankingOutputs.Html(RankingOutputs.Order(items), chosen, "Ranking <test>", reportItems: 24);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Ranking &lt;test&gt;</title>", html, StringComparison.Ordinal);
        var rows = Regex.Matches(html, "<tr class=\"item\" data-item=\"([^\"]+)\">").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(24, rows.Count);
        Assert.Equal("img29.jpg", rows[0]); // most uncertain first
        Assert.Equal(24, Regex.Matches(html, "<img class=\"heat\"[^>]*src=\"data:image/png;base64,BBBB\"").Count);
        Assert.Equal(24, Regex.Matches(html, "<image [^>]*href=\"data:image/jpeg;base64,AAAA\"").Count);
        Assert.Equal(5, Regex.Matches(html, "<polygon class=\"chosen\" points=\"0,0 4,0 4,3\">").Count);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        // Nothing fetched from elsewhere: every src/href is a data URI.
        Assert.All(Regex.Matches(html, "(?:src|href)=\"([^\"]*)\"").Select(m => m.Groups[1].Value), v => Assert.StartsWith("data:", v, StringComparison.Ordinal));
        Assert.Equal(Encoding.UTF8.GetByteCount(html), Encoding.UTF8.GetBytes(html).Length);
    }

    [Fact]
    public void Html_BoxItems_BoxFitColumn_WholeImagesWithout()
    {
        var boxes = RankingOutputs.Html([Item("a.jpg#1", 0.2, whole: false), Item("a.jpg#2", 0.1, whole: false)], [], "t", 24);
        var wholes = RankingOutputs.Html([Item("a.jpg", 0.2), Item("b.jpg", 0.1)], [], "t", 24);

        Assert.Equal(2, Regex.Matches(boxes, "<td class=\"box-fit\">0.25</td>").Count);
        Assert.Contains(">box fit</th>", boxes, StringComparison.Ordinal);
        Assert.DoesNotContain("box fit", wholes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ItemRanker_BoxItem_BoxFitOfTheModelsMaskForTheBox()
    {
        using var image = TestPictures.Gradient(60, 50);
        // The model finds the left half of the box (and more to its left, which the box cuts): half the box's width is reached.
        var segmenter = new RectangleSegmenter(new Rect(0, 10, 30, 30));
        var ranker = new ItemRanker(new UncertaintyScorer(segmenter));

        var analysis = await ranker.RankAsync(new RankItem("g#1", "g", new Rect(10, 10, 40, 30)), image, passes: 2, CancellationToken.None);

        Assert.Equal(1, segmenter.SegmentCalls);
        Assert.Equal(0.5, analysis.Ranking.BoxFit!.Value, 1e-6); // 20 x 30 of 40 x 30
        Assert.Equal(20 * 30, analysis.Mask!.Area);
    }

    [Fact]
    public async Task ItemRanker_WholeImage_NoBoxFitAndNoMaskRun()
    {
        using var image = TestPictures.Gradient(60, 50);
        var segmenter = new RectangleSegmenter(new Rect(0, 10, 30, 30));
        var ranker = new ItemRanker(new UncertaintyScorer(segmenter));

        var analysis = await ranker.RankAsync(new RankItem("g", "g", null), image, passes: 2, CancellationToken.None);

        Assert.Equal(0, segmenter.SegmentCalls);
        Assert.Null(analysis.Ranking.BoxFit);
        Assert.Null(analysis.Mask);
    }

    [Fact]
    public async Task ItemRanker_GradientImage_AboutHundredSuperpixelsInsideTheFrame()
    {
        using var image = TestPictures.Gradient(120, 90);
        var ranker = new ItemRanker(new UncertaintyScorer(new PixelValueSegmenter()));

        var analysis = await ranker.RankAsync(new RankItem("g#1", "g", new Rect(10, 5, 100, 80)), image, passes: 3, CancellationToken.None);

        var r = analysis.Ranking;
        Assert.Equal([10, 5, 100, 80], r.Frame);
        Assert.InRange(r.Superpixels.Count, 60, 140);
        Assert.Equal(100 * 80, r.Superpixels.Sum(s => s.Area));
        Assert.All(r.Superpixels, s =>
        {
            Assert.True(s.Polygon.Count >= 6, "a polygon has at least three points");
            for (var k = 0; k < s.Polygon.Count; k += 2)
            {
                Assert.InRange(s.Polygon[k], 10, 109);
                Assert.InRange(s.Polygon[k + 1], 5, 84);
            }
        });
        Assert.Equal(0, r.MeanVariance, 1e-6); // the model follows the pixels: the passes agree
        Assert.NotEmpty(Convert.FromBase64String(r.HeatPng));
    }
}
