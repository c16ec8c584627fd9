using System.Runtime.CompilerServices;

namespace SegLoop.Storage.Local;

/// <summary>
/// Blobs as files under a root folder: key <c>a/b/c.json</c> is the file <c>{root}/a/b/c.json</c>.
/// Writes go to a temporary file in the target's folder and are renamed over the target, so a reader
/// sees the old bytes or the new ones, never a partial file, and a redelivery rewrites identical bytes.
/// </summary>
public sealed class LocalFolderBlobStore : IBlobStore
{
    /// <summary>Suffix of in-flight temporary files; they are never listed, and keys may not end with it.</summary>
    public const string PartialSuffix = ".segloop-partial";

    // Chunk size of the copy into a new file; the file itself is unbuffered (the copy writes whole chunks).
    private const int CopyChunk = 81920;
    // Readers get FileStream's default buffer: reads of this size or more go straight to the file.
    private const int ReadBuffer = 4096;
    private readonly string _root;
    private readonly string _rootWithSeparator;

    public LocalFolderBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootWithSeparator = _root + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(_root);
    }

    /// <summary>The absolute root folder.</summary>
    public string Root => _root;

    public async Task PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathOf(key);
        var folder = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{PartialSuffix}");
        try
        {
            var file = CreateTempFile(folder, temp);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, CopyChunk, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // FileShare.Delete: a concurrent overwrite (rename) or delete does not fail this reader,
            // which keeps reading the bytes it opened.
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                ReadBuffer, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(key, e);
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = BlobKey.ValidatePrefix(prefix);
        // Walk only the deepest folder the prefix names in full.
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : Path.Combine(_root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(start))
            yield break;

        var keys = new List<string>();
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var file in Directory.EnumerateFiles(start, "*", enumeration))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.EndsWith(PartialSuffix, StringComparison.Ordinal))
                continue;
            var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(prefix, StringComparison.Ordinal))
                keys.Add(key);
        }
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        PruneEmptyFolders(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <summary>The file that holds <paramref name="key"/>; throws <see cref="InvalidBlobKeyException"/> for keys that would leave the root.</summary>
    public string PathOf(string key)
    {
        BlobKey.Validate(key);
        if (key.EndsWith(PartialSuffix, StringComparison.Ordinal))
            throw new InvalidBlobKeyException(key, $"keys ending in '{PartialSuffix}' are reserved for the local store's temporary files");
        var full = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        // Second line of defence behind BlobKey.Validate: the resolved path must stay under the root.
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
            throw new InvalidBlobKeyException(key, "the key resolves outside the storage root");
        return full;
    }

    private static FileStream CreateTempFile(string folder, string temp)
    {
        for (var attempt = 1; ; attempt++)
        {
            Directory.CreateDirectory(folder);
            try
            {
                return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                // A concurrent delete pruned the folder between creating it and opening the file.
            }
        }
    }

    private void PruneEmptyFolders(string folder)
    {
        while (folder.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any())
                    return;
                Directory.Delete(folder);
            }
            catch (IOException)
            {
                return; // another writer put something there meanwhile
            }
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
