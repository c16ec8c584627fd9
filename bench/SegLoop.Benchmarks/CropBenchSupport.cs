using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.CropBuilder;
using SegLoop.Storage;
using SegLoop.Vision.Coco;

namespace SegLoop.Benchmarks;

/// <summary>
/// A blob store for the crop benchmarks: keeps what is put under the input prefixes (images, annotations) in memory;
/// crops and manifests are counted and dropped, or written to a folder when one is given (to keep the output).
/// </summary>
internal sealed class BenchBlobStore(string? keepOutputIn = null) : IBlobStore
{
    private readonly ConcurrentDictionary<string, byte[]> _inputs = new(StringComparer.Ordinal);
    private readonly SegLoop.Storage.Local.LocalFolderBlobStore? _output = keepOutputIn is null ? null : new(keepOutputIn);

    public long OutputBytes;
    public long OutputObjects;

    public async Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        if (key.StartsWith("images/", StringComparison.Ordinal) || key.StartsWith("annotations/", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await content.CopyToAsync(buffer, cancellationToken);
            _inputs[key] = buffer.ToArray();
            if (_output is null)
                return;
            content = new MemoryStream(_inputs[key], writable: false);
        }
        Interlocked.Add(ref OutputBytes, content.Length);
        Interlocked.Increment(ref OutputObjects);
        if (_output is not null)
            await _output.PutAsync(key, content, contentType, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
        _inputs.TryGetValue(key, out var bytes) ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
            : _output is not null ? _output.OpenReadAsync(key, cancellationToken) : throw new BlobNotFoundException(key);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(_inputs.ContainsKey(key));

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var key in _inputs.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            yield return key;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _inputs.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}

internal static class CropBench
{
    public const string TaxonomyVersion = "bench";

    public static ImageCropper Cropper(IBlobStore store, CropBuilderOptions? options = null) =>
        new(store, Options.Create(options ?? new CropBuilderOptions()), NullLogger<ImageCropper>.Instance);

    public static string CocoMiniDir() =>
        Environment.GetEnvironmentVariable("SEGLOOP_SHARED_DATA") is { Length: > 0 } shared
            ? Path.Combine(shared, "coco-mini")
            : Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data", "coco-mini"));

    /// <summary>coco-mini as normalized documents plus images in <paramref name="store"/>; returns the messages.</summary>
    public static async Task<IReadOnlyList<AnnotationNormalized>> StoreCocoMiniAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        var dir = CocoMiniDir();
        var dataset = await CocoDataset.LoadAsync(Path.Combine(dir, "annotations", "instances_train2017.json"), cancellationToken);
        var categories = dataset.Categories.ToDictionary(c => c.Id, c => c.Name);
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        var messages = new List<AnnotationNormalized>();
        foreach (var image in dataset.Images.OrderBy(i => i.FileName, StringComparer.Ordinal))
        {
            var taskId = Path.GetFileNameWithoutExtension(image.FileName);
            var document = new AnnotationDocument
            {
                ImageKey = AnnotationKeys.Image("coco", "mini", taskId, ".jpg"),
                Width = image.Width,
                Height = image.Height,
                TaxonomyVersion = TaxonomyVersion,
                Provenance = new Provenance { Customer = "coco", Project = "mini", Domain = "everyday", SourceFormat = "coco", TaskId = taskId },
                Instances = byImage[image.Id].OrderBy(a => a.Id).Select(a =>
                {
                    var rle = a.Segmentation!.ToRle(image.Height, image.Width);
                    var box = rle.Bbox;
                    return new AnnotationInstance
                    {
                        Id = a.Id.ToString(CultureInfo.InvariantCulture),
                        ClassName = categories[a.CategoryId],
                        Rle = rle.ToContract(),
                        Area = rle.Area,
                        Bbox = new BoundingBox(box.X, box.Y, box.Width, box.Height),
                        IsCrowd = a.IsCrowd != 0,
                    };
                }).ToList(),
            };
            await store.PutBytesAsync(document.ImageKey, await File.ReadAllBytesAsync(Path.Combine(dir, "train2017", image.FileName), cancellationToken), "image/jpeg", cancellationToken);
            var documentKey = AnnotationKeys.Normalized(TaxonomyVersion, "coco", "mini", taskId);
            await store.PutJsonAsync(documentKey, document, cancellationToken: cancellationToken);
            messages.Add(new AnnotationNormalized
            {
                TaskId = taskId, Customer = "coco", Project = "mini", Domain = "everyday", ImageKey = document.ImageKey,
                DocumentKey = documentKey, TaxonomyVersion = TaxonomyVersion, KeptCount = document.Instances.Count,
                DroppedCounts = new Dictionary<string, int>(),
            });
        }
        return messages;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegLoop.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("SegLoop.sln not found above " + AppContext.BaseDirectory);
    }
}
