using System.IO.Enumeration;
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
    // Longest file or folder name most file systems take (ext4, xfs, tmpfs: 255 bytes).
    private const int MaxNameBytes = 255;
    // Symbolic links followed while resolving one path, as Linux's own limit.
    private const int MaxLinkHops = 40;
    private readonly string _root;
    private readonly string _rootWithSeparator;
    private readonly string _realRoot;
    private readonly string _realRootWithSeparator;

    public LocalFolderBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootWithSeparator = _root + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(_root);
        // The root itself may be reached through links (/tmp on macOS, a mounted volume); what is under it may not leave it.
        _realRoot = RealPath(_root);
        _realRootWithSeparator = Path.TrimEndingDirectorySeparator(_realRoot) + Path.DirectorySeparatorChar;
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
        if (Directory.Exists(path))
            throw new BlobNotFoundException(key, new FileNotFoundException($"'{key}' is a folder of the store, not a blob.", path));
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
        var start = slash < 0 ? _root : PathOf(prefix[..slash]);
        if (!Directory.Exists(start))
            yield break;

        var keys = new List<string>();
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        // Linked folders are not walked (a link may lead out of the store, or around in a loop); a linked file is
        // listed only when it resolves inside the store, as reading it would.
        var files = new FileSystemEnumerable<(string Path, bool IsLink)>(start,
            (ref FileSystemEntry entry) => (entry.ToFullPath(), (entry.Attributes & FileAttributes.ReparsePoint) != 0), enumeration)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        foreach (var (file, isLink) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.EndsWith(PartialSuffix, StringComparison.Ordinal))
                continue;
            var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || (isLink && !ResolvesInside(key)))
                continue;
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
        foreach (var segment in key.Split('/'))
        {
            if (System.Text.Encoding.UTF8.GetByteCount(segment) > MaxNameBytes)
                throw new InvalidBlobKeyException(key, $"a segment is longer than the {MaxNameBytes} bytes a file name may have");
        }
        var full = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        // Second line of defence behind BlobKey.Validate: the resolved path must stay under the root.
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
            throw new InvalidBlobKeyException(key, "the key resolves outside the storage root");
        // And the real path, symbolic links followed: a link inside the store must not lead a key out of it.
        var real = RealPath(full);
        if (!real.StartsWith(_realRootWithSeparator, StringComparison.Ordinal))
            throw new InvalidBlobKeyException(key, "the key resolves through a symbolic link to outside the storage root");
        return full;
    }

    private bool ResolvesInside(string key)
    {
        try
        {
            PathOf(key);
            return true;
        }
        catch (InvalidBlobKeyException)
        {
            return false;
        }
    }

    /// <summary>
    /// <paramref name="path"/> (absolute) with every symbolic link along it followed, as realpath(3) does; the parts
    /// that do not exist yet are kept as they are (a key about to be written).
    /// </summary>
    private static string RealPath(string path)
    {
        var pending = new Stack<string>(SplitPath(path).Reverse());
        var result = Path.GetPathRoot(path) ?? "/";
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                result = Path.GetDirectoryName(result) ?? result;
                continue;
            }
            var candidate = Path.Join(result, part);
            var target = LinkTargetOf(candidate);
            if (target is null)
            {
                result = candidate;
                continue;
            }
            if (++hops > MaxLinkHops)
                throw new IOException($"Too many levels of symbolic links resolving {path}.");
            if (Path.IsPathRooted(target))
                result = Path.GetPathRoot(target) ?? "/";
            foreach (var p in SplitPath(target).Reverse())
                pending.Push(p);
        }
        return result;
    }

    private static IEnumerable<string> SplitPath(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The target of the link at <paramref name="path"/> as the link holds it, or null when it is no link or does not exist.</summary>
    private static string? LinkTargetOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
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
