using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Ingest.Tests;

public sealed class IdempotenceTests
{
    [Fact]
    public async Task ProcessAsync_SameTaskTwice_SameKeysAndBytes()
    {
        await using var host = await IngestTestHost.StartAsync();
        await host.Store.PutBytesAsync("uploads/acme/i.jpg", TestImages.FirstCocoJpeg());
        var payload = new TaskPayload
        {
            TaskId = "same", Customer = "acme", Project = "roads", Domain = "street", Image = "uploads/acme/i.jpg",
            Instances =
            [
                new PayloadInstance { Id = "a", ClassName = "car", Polygons = [[10, 10, 120, 12, 100, 90, 12, 80]] },
                new PayloadInstance { Id = "b", ClassName = "person", MaskKey = "masks/acme/b.png" },
            ],
        };
        using (var decoded = Vision.ImageCodec.Decode(TestImages.FirstCocoJpeg()))
            await host.Store.PutBytesAsync("masks/acme/b.png", TestImages.MaskPng(decoded.Width, decoded.Height, 50, 60, 150, 200));
        var first = await host.Processor.ProcessAsync(new IngestRequest(payload, EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None);
        Assert.True(first.Accepted, string.Join("; ", first.Rejected?.Reasons.Select(r => r.Detail) ?? []));
        Assert.Equal(2, first.Ingested!.InstanceCount);
        var snapshot1 = await SnapshotAsync(host.Store);

        var second = await host.Processor.ProcessAsync(new IngestRequest(payload, EntryPoints.Bus, SourceFormats.Webhook), CancellationToken.None);
        var snapshot2 = await SnapshotAsync(host.Store);

        Assert.Equal(first.Ingested, second.Ingested);
        Assert.Equal(snapshot1.Keys, snapshot2.Keys);
        foreach (var (key, bytes) in snapshot1)
            Assert.True(bytes.AsSpan().SequenceEqual(snapshot2[key]), $"{key} changed on the second ingest");
        Assert.Contains(first.Ingested!.ImageKey, snapshot1.Keys);
        Assert.Contains(first.Ingested.DocumentKey, snapshot1.Keys);
    }

    private static async Task<SortedDictionary<string, byte[]>> SnapshotAsync(IBlobStore store)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var key in store.ListAsync(""))
            result[key] = await store.GetBytesAsync(key);
        return result;
    }
}
