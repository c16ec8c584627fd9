using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Contracts;
using SegLoop.Importers;
using SegLoop.Ingest.Webhook;
using SegLoop.Storage;
using Xunit.Abstractions;

namespace SegLoop.Ingest.Tests;

/// <summary>Every bad input, through the entry point it comes in by, with the rejection code it must get.</summary>
public sealed class BadInputTests(ITestOutputHelper output)
{
    private const int W = 64, H = 48;
    private const string ImageKey = "uploads/acme/img.png";

    private static readonly PayloadInstance Square = new() { Id = "1", ClassName = "car", Polygons = [[10, 10, 30, 10, 30, 30, 10, 30]] };

    private static TaskPayload Good(params PayloadInstance[] instances) => new()
    {
        TaskId = "t-1", Customer = "acme", Project = "roads", Domain = "street", Image = ImageKey,
        Instances = instances.Length == 0 ? [Square] : instances,
    };

    private static PayloadRle Rle(int h, int w, object counts) => new() { Size = [h, w], Counts = JsonSerializer.SerializeToElement(counts) };

    internal sealed record Case(string Name, string EntryPoint, string ExpectedCode, Func<Fixture, Task<IReadOnlyList<Rejection>>> Run);

    internal sealed record Fixture(IngestTestHost Host, string Temp);

    private static Func<Fixture, Task<IReadOnlyList<Rejection>>> Processor(TaskPayload payload) => async f =>
        (await f.Host.Processor.ProcessAsync(new IngestRequest(payload, EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None)).Rejected?.Reasons ?? [];

    private static Func<Fixture, Task<IReadOnlyList<Rejection>>> ProcessorWithImage(byte[] bytes, TaskPayload? payload = null) => async f =>
    {
        await f.Host.Store.PutBytesAsync("uploads/acme/bad.img", bytes);
        return await Processor((payload ?? Good()) with { Image = "uploads/acme/bad.img" })(f);
    };

    private static Func<Fixture, Task<IReadOnlyList<Rejection>>> Webhook(byte[] body, long? declaredLength = null) => async f =>
    {
        await using var scope = f.Host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "POST";
        http.Request.Headers[WebhookHandler.SecretHeader] = IngestTestHost.Secret;
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = declaredLength ?? body.Length;
        var result = await scope.ServiceProvider.GetRequiredService<WebhookHandler>().HandleAsync(http, CancellationToken.None);
        var json = Assert.IsType<JsonHttpResult<WebhookResponse>>(result);
        Assert.True(json.StatusCode is 400 or 413, $"expected 400/413, got {json.StatusCode}");
        return json.Value!.Reasons ?? [];
    };

    private static Func<Fixture, Task<IReadOnlyList<Rejection>>> Import(Func<Fixture, IngestRequest> request) => async f =>
        (await f.Host.Processor.ProcessAsync(request(f), CancellationToken.None)).Rejected?.Reasons ?? [];

    internal static IEnumerable<Case> Cases()
    {
        byte[] Json(object o) => JsonSerializer.SerializeToUtf8Bytes(o, PayloadJson.Options);
        var jpeg = TestImages.FirstCocoJpeg();
        yield return new("missing task id", "bus (IngestProcessor)", RejectionCodes.MissingField, Processor(Good() with { TaskId = null }));
        yield return new("missing customer", "webhook", RejectionCodes.MissingField, Webhook(Json(Good() with { Customer = " " })));
        yield return new("control character in project", "webhook", RejectionCodes.InvalidField, Webhook(Json(Good() with { Project = "roads\u0007" })));
        yield return new("control character in class name", "bus (IngestProcessor)", RejectionCodes.InvalidClassName,
            Processor(Good(Square with { ClassName = "car\u0000" })));
        yield return new("image key with ../ traversal", "webhook", RejectionCodes.UnsafeKey, Webhook(Json(Good() with { Image = "uploads/../../etc/passwd" })));
        yield return new("absolute image key", "bus (IngestProcessor)", RejectionCodes.UnsafeKey, Processor(Good() with { Image = "/etc/passwd" }));
        yield return new("mask key with traversal", "webhook", RejectionCodes.UnsafeKey,
            Webhook(Json(Good(new PayloadInstance { Id = "m", ClassName = "car", MaskKey = "masks/../../x.png" }))));
        yield return new("image URL while URLs are disabled", "webhook", RejectionCodes.ImageUrlsDisabled, Webhook(Json(Good() with { Image = "https://example.com/a.jpg" })));
        yield return new("image key not in storage", "bus (IngestProcessor)", RejectionCodes.ImageNotFound, Processor(Good() with { Image = "uploads/acme/missing.png" }));
        yield return new("zero-byte image", "bus (IngestProcessor)", RejectionCodes.ImageUnreadable, ProcessorWithImage([]));
        yield return new("truncated JPEG (first half of a COCO image)", "bus (IngestProcessor)", RejectionCodes.ImageUnreadable, ProcessorWithImage(jpeg[..(jpeg.Length / 2)]));
        yield return new("not an image (text)", "bus (IngestProcessor)", RejectionCodes.ImageUnreadable, ProcessorWithImage(Encoding.UTF8.GetBytes("hello, not a picture")));
        yield return new("decompression bomb (PNG header claims 60000x60000)", "bus (IngestProcessor)", RejectionCodes.ImageTooLarge, ProcessorWithImage(TestImages.PngClaiming(60000, 60000)));
        yield return new("declared size differs from the image", "bus (IngestProcessor)", RejectionCodes.ImageSizeMismatch, Processor(Good() with { Width = 640, Height = 480 }));
        yield return new("polygon with 2 points", "webhook", RejectionCodes.PolygonTooFewPoints,
            Webhook(Json(Good(Square with { Polygons = [[1, 1, 5, 5]] }))));
        yield return new("polygon with an odd coordinate count", "bus (IngestProcessor)", RejectionCodes.PolygonMalformed,
            Processor(Good(Square with { Polygons = [[1, 1, 5, 5, 9]] })));
        yield return new("NaN coordinate (JSON \"NaN\")", "webhook", RejectionCodes.NonFiniteCoordinates,
            Webhook(Encoding.UTF8.GetBytes("""{"taskId":"t","customer":"c","project":"p","domain":"d","image":"uploads/a.png","instances":[{"id":1,"className":"car","polygons":[[1,1,"NaN",5,9,9]]}]}""")));
        yield return new("infinite coordinate", "bus (IngestProcessor)", RejectionCodes.NonFiniteCoordinates,
            Processor(Good(Square with { Polygons = [[1, 1, double.PositiveInfinity, 5, 9, 9]] })));
        yield return new("coordinates far outside the image", "bus (IngestProcessor)", RejectionCodes.CoordinatesOutOfBounds,
            Processor(Good(Square with { Polygons = [[10, 10, 500, 10, 30, 30]] })));
        yield return new("RLE counts not summing to h x w", "webhook", RejectionCodes.RleCountsMismatch,
            Webhook(Json(Good(new PayloadInstance { Id = "r", ClassName = "car", Rle = Rle(H, W, new[] { 10, 5, 7 }) }))));
        yield return new("RLE size differing from the image", "bus (IngestProcessor)", RejectionCodes.RleSizeMismatch,
            Processor(Good(new PayloadInstance { Id = "r", ClassName = "car", Rle = Rle(10, 10, new[] { 50, 50 }) })));
        yield return new("RLE counts string with invalid characters", "bus (IngestProcessor)", RejectionCodes.RleMalformed,
            Processor(Good(new PayloadInstance { Id = "r", ClassName = "car", Rle = Rle(H, W, "~~~~") })));
        yield return new("RLE counts given as an object", "bus (IngestProcessor)", RejectionCodes.UnknownMaskFormat,
            Processor(Good(new PayloadInstance { Id = "r", ClassName = "car", Rle = Rle(H, W, new { a = 1 }) })));
        yield return new("instance with no mask at all", "webhook", RejectionCodes.UnknownMaskFormat,
            Webhook(Json(Good(new PayloadInstance { Id = "x", ClassName = "car" }))));
        yield return new("duplicate instance ids", "bus (IngestProcessor)", RejectionCodes.DuplicateInstanceId, Processor(Good(Square, Square)));
        yield return new("degenerate polygon (zero area)", "bus (IngestProcessor)", RejectionCodes.EmptyMask,
            Processor(Good(Square with { Polygons = [[10, 10, 20, 10, 30, 10]] })));
        yield return new("all-zero RLE", "bus (IngestProcessor)", RejectionCodes.EmptyMask,
            Processor(Good(new PayloadInstance { Id = "r", ClassName = "car", Rle = Rle(H, W, new[] { W * H }) })));
        yield return new("mask PNG key not in storage", "bus (IngestProcessor)", RejectionCodes.MaskNotFound,
            Processor(Good(new PayloadInstance { Id = "m", ClassName = "car", MaskKey = "masks/nope.png" })));
        yield return new("mask PNG of another size", "bus (IngestProcessor)", RejectionCodes.MaskSizeMismatch, async f =>
        {
            await f.Host.Store.PutBytesAsync("masks/small.png", TestImages.MaskPng(10, 10, 2, 2, 8, 8));
            return await Processor(Good(new PayloadInstance { Id = "m", ClassName = "car", MaskKey = "masks/small.png" }))(f);
        });
        yield return new("body over Ingest:Webhook:MaxBodyBytes", "webhook", RejectionCodes.BodyTooLarge, Webhook(new byte[70_000]));
        yield return new("body declaring a length over the limit", "webhook", RejectionCodes.BodyTooLarge, Webhook([(byte)'{'], declaredLength: 1L << 30));
        yield return new("body that is not JSON", "webhook", RejectionCodes.InvalidJson, Webhook(Encoding.UTF8.GetBytes("{\"taskId\": ")));
        yield return new("polygons of the wrong JSON type", "webhook", RejectionCodes.InvalidJson,
            Webhook(Encoding.UTF8.GetBytes("""{"taskId":"t","instances":[{"id":1,"polygons":"square"}]}""")));
        yield return new("COCO file_name with traversal", "cli:coco", RejectionCodes.UnsafeKey, Import(f =>
            CocoImport(f, """{"images":[{"id":1,"file_name":"../../etc/passwd","width":64,"height":48}],"annotations":[],"categories":[]}""")));
        yield return new("COCO annotation with an undefined category", "cli:coco", RejectionCodes.UnknownCategory, Import(f =>
            CocoImport(f, """{"images":[{"id":1,"file_name":"img.png","width":64,"height":48}],"annotations":[{"id":5,"image_id":1,"category_id":99,"segmentation":[[1,1,9,1,9,9]],"iscrowd":0}],"categories":[{"id":1,"name":"car"}]}""")));
        yield return new("label map stored as an RGB PNG", "cli:label-map", RejectionCodes.LabelUnreadable, Import(f =>
        {
            Directory.CreateDirectory(Path.Combine(f.Temp, "images"));
            Directory.CreateDirectory(Path.Combine(f.Temp, "labels"));
            File.WriteAllBytes(Path.Combine(f.Temp, "images", "f.png"), TestImages.Png(W, H));
            File.WriteAllBytes(Path.Combine(f.Temp, "labels", "f.png"), TestImages.Png(W, H));
            File.WriteAllText(Path.Combine(f.Temp, "classes.txt"), "0 Sky\n1 Car\n");
            return new LabelMapImporter(Path.Combine(f.Temp, "images"), Path.Combine(f.Temp, "labels"), Path.Combine(f.Temp, "classes.txt"), null, ["void"]).Read(new ImportTarget("acme", "roads", "street")).Single();
        }));
        yield return new("bus task in an unsupported source format", "bus", RejectionCodes.UnsupportedSourceFormat, async f =>
        {
            var request = await new StoredTaskReader(f.Host.Store).ReadAsync(new AnnotationTaskCompleted
            {
                TaskId = "t", Customer = "c", Project = "p", Domain = "d", ImageKey = ImageKey, AnnotationKey = "x.json", SourceFormat = "yolo",
            }, CancellationToken.None);
            return (await f.Host.Processor.ProcessAsync(request, CancellationToken.None)).Rejected?.Reasons ?? [];
        });
    }

    private static IngestRequest CocoImport(Fixture f, string json)
    {
        var dataset = Vision.Coco.CocoDataset.Parse(json);
        File.WriteAllBytes(Path.Combine(f.Temp, "img.png"), TestImages.Png(W, H));
        return CocoTask.ToRequest(dataset, dataset.Images[0], "acme", "roads", "street", new FolderImageSource(f.Temp), EntryPoints.CliCoco);
    }

    [Fact]
    public async Task Ingest_EachBadInput_RejectedWithItsCode()
    {
        await using var host = await IngestTestHost.StartAsync();
        await host.Store.PutBytesAsync(ImageKey, TestImages.Png(W, H));
        var temp = Path.Combine(host.Root, "..", Path.GetFileName(host.Root) + "-files");
        Directory.CreateDirectory(temp);
        var fixture = new Fixture(host, temp);

        var cases = Cases().ToList();
        var table = new StringBuilder();
        table.AppendLine("| # | case | entry point | code | reason |").AppendLine("|---|---|---|---|---|");
        var failures = new List<string>();
        var n = 0;
        foreach (var c in cases)
        {
            var reasons = await c.Run(fixture);
            var match = reasons.FirstOrDefault(r => r.Code == c.ExpectedCode);
            table.AppendLine($"| {++n} | {c.Name} | {c.EntryPoint} | {match?.Code ?? "(missing: " + c.ExpectedCode + ")"} | {(match ?? reasons.FirstOrDefault())?.Detail.Replace("|", "\\|", StringComparison.Ordinal) ?? "(accepted)"} |");
            if (match is null)
                failures.Add($"{c.Name}: expected {c.ExpectedCode}, got [{string.Join(", ", reasons.Select(r => r.Code + ": " + r.Detail))}]");
        }
        output.WriteLine(table.ToString());
        Directory.Delete(temp, recursive: true);
        Assert.True(cases.Count >= 20);
        Assert.Empty(failures);

        // The good task itself is accepted, so the table is about the one thing each case changes.
        var good = await host.Processor.ProcessAsync(new IngestRequest(Good(), EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None);
        Assert.True(good.Accepted, string.Join("; ", good.Rejected?.Reasons.Select(r => r.Detail) ?? []));
    }

    [Fact]
    public async Task Ingest_SeveralProblems_NamesEveryReason()
    {
        await using var host = await IngestTestHost.StartAsync();
        await host.Store.PutBytesAsync(ImageKey, TestImages.Png(W, H));
        var payload = Good(Square, Square with { Polygons = [[1, 1, 2, 2]] }, new PayloadInstance { Id = "r", ClassName = "car", Rle = Rle(H, W, new[] { 1 }) }) with
        {
            Customer = null,
        };
        var outcome = await host.Processor.ProcessAsync(new IngestRequest(payload, EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None);
        var codes = outcome.Rejected!.Reasons.Select(r => r.Code).ToHashSet();
        Assert.Superset(new HashSet<string> { RejectionCodes.MissingField, RejectionCodes.DuplicateInstanceId, RejectionCodes.PolygonTooFewPoints, RejectionCodes.RleCountsMismatch }, codes);
    }
}
