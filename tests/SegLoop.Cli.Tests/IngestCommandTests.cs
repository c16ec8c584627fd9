using System.Text.Json;
using SegLoop.Cli;
using SegLoop.Vision;

namespace SegLoop.Cli.Tests;

public sealed class IngestCommandTests
{
    [Fact]
    public async Task IngestCoco_SameStemInFoldersAndFormats_EveryFileStoredAndTheTrueDuplicateRejected()
    {
        var dir = Directory.CreateTempSubdirectory("segloop-ingest-coco-");
        try
        {
            var images = Path.Combine(dir.FullName, "images");
            var names = new[] { "a/x.png", "b/x.png", "same.png", "same.jpg" };
            var pixels = new byte[64 * 48 * 3];
            Array.Fill(pixels, (byte)90);
            using (var image = Image.FromPixels(64, 48, 3, pixels))
            {
                var png = image.EncodePng();
                foreach (var name in names)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(images, name))!);
                    await File.WriteAllBytesAsync(Path.Combine(images, name), png);
                }
            }
            // Image 5 names a/x.png a second time: the one true duplicate.
            var json = JsonSerializer.Serialize(new
            {
                images = names.Select((n, i) => new { id = i + 1, file_name = n, width = 64, height = 48 }).Append(new { id = 5, file_name = "a/x.png", width = 64, height = 48 }),
                annotations = Enumerable.Range(1, 5).Select(i => new { id = 100 + i, image_id = i, category_id = 1, segmentation = new[] { new[] { 5.0, 5, 40, 5, 40, 30 } }, iscrowd = 0 }),
                categories = new[] { new { id = 1, name = "car" } },
            });
            var annotations = Path.Combine(dir.FullName, "annotations.json");
            await File.WriteAllTextAsync(annotations, json);
            var data = Path.Combine(dir.FullName, "data");

            var exitCode = await SegLoopCommand.Create().Parse(["ingest", "coco", "--annotations", annotations, "--images", images,
                "--customer", "acme", "--project", "coco", "--domain", "street", "--data", data]).InvokeAsync();

            Assert.Equal(1, exitCode); // some rejected: the duplicate
            var documents = Directory.GetFiles(Path.Combine(data, "annotations", "ingested", "acme", "coco"));
            Assert.Equal(4, documents.Length);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
