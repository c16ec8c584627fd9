using System.Globalization;
using MassTransit;
using SegLoop.Contracts;
using SegLoop.Importers;
using SegLoop.Ingest;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>
/// The folder <c>segloop run</c> watches, so a person can feed the loop by dropping files: a subfolder holding a COCO
/// instances json and its images is ingested (as <c>segloop ingest coco</c> would); a loose image in the inbox itself is
/// pre-labelled with the whole image as its box (the salient object). What was handled moves to <c>done/</c>, what
/// could not be read to <c>failed/</c> with a <c>.why.txt</c> beside it; each is one line on stdout. A file is taken
/// once it has not changed for one poll, so a copy in progress is not read half-written.
/// </summary>
public sealed class Inbox(string root, ImportTarget target, IBlobStore store, IngestProcessor processor, IPublishEndpoint publish, TextWriter log)
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];
    private readonly Dictionary<string, (long Size, DateTime Written)> _seen = new(StringComparer.Ordinal);

    public string DoneFolder => Path.Combine(root, "done");

    public string FailedFolder => Path.Combine(root, "failed");

    public async Task WatchAsync(TimeSpan poll, CancellationToken cancellationToken)
    {
        while (true)
        {
            await PollAsync(cancellationToken);
            await Task.Delay(poll, cancellationToken);
        }
    }

    /// <summary>One look at the inbox: handles what has been still since the previous look.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root))
            return;
        foreach (var image in Directory.EnumerateFiles(root).Where(IsImage).Order(StringComparer.Ordinal))
        {
            if (Settled(image))
                await HandleAsync(image, () => PrelabelAsync(image, cancellationToken));
        }
        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (name is "done" or "failed" || name.StartsWith('.'))
                continue;
            var json = Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).FirstOrDefault();
            if (json is null || !Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).All(Settled))
                continue;
            await HandleAsync(folder, () => IngestAsync(folder, json, cancellationToken));
        }
    }

    private static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    private bool Settled(string path)
    {
        var info = new FileInfo(path);
        var now = info.Exists ? (info.Length, info.LastWriteTimeUtc) : (0, Directory.GetLastWriteTimeUtc(path));
        var settled = _seen.TryGetValue(path, out var before) && before == now;
        _seen[path] = now;
        return settled;
    }

    private async Task HandleAsync(string path, Func<Task<string>> work)
    {
        string line;
        string destination;
        try
        {
            line = await work();
            destination = DoneFolder;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (message, _) = CliInput.Describe(e);
            line = $"inbox: {Path.GetFileName(path)} failed: {message}";
            destination = FailedFolder;
            Directory.CreateDirectory(destination);
            await File.WriteAllTextAsync(Path.Combine(destination, Path.GetFileName(path) + ".why.txt"), message + Environment.NewLine);
        }
        Directory.CreateDirectory(destination);
        var target = Path.Combine(destination, Path.GetFileName(path));
        if (Directory.Exists(path))
        {
            if (Directory.Exists(target))
                Directory.Delete(target, recursive: true);
            Directory.Move(path, target);
        }
        else
        {
            File.Move(path, target, overwrite: true);
        }
        _seen.Remove(path);
        await log.WriteLineAsync(line + $" (moved to {target})");
    }

    private async Task<string> PrelabelAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        using var image = SegLoop.Vision.ImageCodec.Decode(bytes);
        var name = Path.GetFileName(path);
        var key = LocalApi.ImagePrefix + "inbox-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..12] + Path.GetExtension(name).ToLowerInvariant();
        await store.PutBytesAsync(key, bytes, "image/" + (key.EndsWith(".png", StringComparison.Ordinal) ? "png" : "jpeg"), cancellationToken);
        var requestId = "inbox-" + Path.GetFileNameWithoutExtension(key)["inbox-".Length..];
        await publish.Publish(new PreAnnotationRequested
        {
            RequestId = requestId,
            ImageKey = key,
            Prompts = [new Prompt { Box = new BoundingBox(0, 0, image.Width, image.Height), Label = "1" }],
            Domain = target.Domain,
        }, cancellationToken);
        return $"inbox: {name} sent for pre-annotation (request {requestId}); masks: {Path.Combine(StoreRoot, "prelabels", requestId + ".json")} "
               + $"or GET {LocalApi.Route}/{requestId}";
    }

    private async Task<string> IngestAsync(string folder, string json, CancellationToken cancellationToken)
    {
        var tasks = new CocoImporter(json, new FolderImageSource(ImagesOf(folder))).Open(target, cancellationToken);
        if (tasks.Count == 0)
            throw new CliInputException($"{Path.GetFileName(json)} holds no image to ingest (its image list is empty or missing).");
        var summary = await new IngestBatch(processor, publish).RunAsync(tasks.Requests, null, cancellationToken);
        return string.Create(CultureInfo.InvariantCulture,
            $"inbox: {Path.GetFileName(folder)}/{Path.GetFileName(json)} ingested: {summary.Accepted} accepted ({summary.AcceptedInstances} instances), "
            + $"{summary.Rejected} rejected, {summary.Failed.Count} failed; crops follow under {Path.Combine(StoreRoot, "crops")}");
    }

    /// <summary>The images of a COCO folder: an images/ subfolder when there is one, else the folder itself.</summary>
    private static string ImagesOf(string folder) =>
        Directory.Exists(Path.Combine(folder, "images")) ? Path.Combine(folder, "images") : folder;

    private string StoreRoot => store is SegLoop.Storage.Local.LocalFolderBlobStore local ? local.Root : "the store";
}
