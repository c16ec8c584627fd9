using SegLoop.Vision.Coco;

namespace SegLoop.Vision.Tests.Coco;

public sealed class CocoDatasetTests
{
    [Fact]
    public void Parse_AllThreeSegmentationForms_ReadsEach()
    {
        const string Json = """
            {"images":[{"id":7,"file_name":"a.jpg","width":4,"height":4,"extra":"ignored"}],
             "categories":[{"id":3,"name":"cat","supercategory":"animal"}],
             "annotations":[
               {"id":1,"image_id":7,"category_id":3,"iscrowd":0,"area":4.5,"bbox":[1,1,2,2],"segmentation":[[0.8,0.8,3.2,0.8,3.2,3.2,0.8,3.2]]},
               {"id":2,"image_id":7,"category_id":3,"iscrowd":1,"area":4,"bbox":[1,1,1,1],"segmentation":{"size":[4,4],"counts":[5,2,2,2,5]}},
               {"id":3,"image_id":7,"category_id":3,"iscrowd":0,"area":4,"segmentation":{"counts":"52203","size":[4,4]}}]}
            """;

        var dataset = CocoDataset.Parse(Json);

        Assert.Equal("a.jpg", dataset.Images.Single().FileName);
        Assert.Equal("animal", dataset.Categories.Single().Supercategory);
        var square = RleMask.Encode(RleMaskTests.Rows("0000", "0110", "0110", "0000"), 4, 4);
        Assert.All(dataset.Annotations, a => Assert.Equal(square, a.Segmentation!.ToRle(4, 4)));
        Assert.True(dataset.Annotations[0].Segmentation!.IsPolygons);
        Assert.Equal([5L, 2, 2, 2, 5], dataset.Annotations[1].Segmentation!.UncompressedCounts);
        Assert.Equal("52203", dataset.Annotations[2].Segmentation!.CompressedCounts);
        Assert.Null(dataset.Annotations[2].Bbox);
    }

    [Theory]
    [InlineData("{\"images\": [", "not a valid instances document")]
    [InlineData("null", "literal null")]
    [InlineData("{\"annotations\":[{\"segmentation\":[[1,\"x\",3]]}]}", "coordinates are numbers")]
    [InlineData("{\"annotations\":[{\"segmentation\":{\"counts\":[1,2]}}]}", "has no \"size\"")]
    [InlineData("{\"annotations\":[{\"segmentation\":{\"size\":[4]}}]}", "[height, width]")]
    [InlineData("{\"annotations\":[{\"segmentation\":{\"size\":[4,4],\"counts\":{}}}]}", "list of integers or a string")]
    [InlineData("{\"annotations\":[{\"segmentation\":7}]}", "list of polygons or an RLE object")]
    [InlineData("{\"images\":null}", "must be a list")]
    public void Parse_Malformed_ThrowsCocoMaskExceptionNamingTheProblem(string json, string expectedInMessage)
    {
        var e = Assert.Throws<CocoMaskException>(() => CocoDataset.Parse(json));
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Fact]
    public void ToRle_RleSizeDiffersFromImage_Throws()
    {
        var segmentation = CocoSegmentation.FromCompressedRle(4, 4, "52203");

        var e = Assert.Throws<CocoMaskException>(() => segmentation.ToRle(5, 4));
        Assert.Contains("4x4", e.Message);
        Assert.Contains("5x4", e.Message);
    }
}
