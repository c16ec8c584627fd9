using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SegLoop.Storage.Local;
using SegLoop.Storage.S3;

namespace SegLoop.Storage.Tests;

public sealed class StorageRegistrationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "segloop-storage-reg", Guid.NewGuid().ToString("N"));

    public StorageRegistrationTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AddBlobStore_NoSettings_StartsWithLocalStoreUnderDefaultRoot()
    {
        using var host = Build([]);
        await host.StartAsync();

        var store = Assert.IsType<LocalFolderBlobStore>(host.Services.GetRequiredService<IBlobStore>());
        Assert.Equal(Path.GetFullPath("./segloop-data").TrimEnd('/'), store.Root);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddBlobStore_LocalRoot_UsesThatFolder()
    {
        using var host = Build(new() { ["Storage:Kind"] = "Local", ["Storage:Local:Root"] = Path.Combine(_folder, "blobs") });
        await host.StartAsync();

        var store = host.Services.GetRequiredService<IBlobStore>();
        await store.PutBytesAsync("a/b", "x"u8.ToArray());
        Assert.True(File.Exists(Path.Combine(_folder, "blobs", "a", "b")));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddBlobStore_S3WithoutBucket_FailsAtStartNamingTheKey()
    {
        using var host = Build(new() { ["Storage:Kind"] = "S3" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Storage:S3:Bucket", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Storage:S3:PartSizeBytes", "1024")]
    [InlineData("Storage:S3:MultipartThresholdBytes", "100")]
    [InlineData("Storage:S3:ServiceUrl", "not a url")]
    [InlineData("Storage:S3:AccessKey", "only-the-access-key")]
    [InlineData("Storage:S3:AccessKeyFile", "/nonexistent/segloop/access-key")]
    public async Task AddBlobStore_BadS3Setting_FailsAtStartNamingTheKey(string key, string value)
    {
        using var host = Build(new() { ["Storage:Kind"] = "S3", ["Storage:S3:Bucket"] = "b", [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddBlobStore_UnknownKind_FailsNamingTheKey()
    {
        using var host = Build(new() { ["Storage:Kind"] = "Azure" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("Storage:Kind", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddBlobStore_LocalKindWithIncompleteS3Section_StillStarts()
    {
        using var host = Build(new() { ["Storage:S3:PartSizeBytes"] = "1" });
        await host.StartAsync();
        Assert.IsType<LocalFolderBlobStore>(host.Services.GetRequiredService<IBlobStore>());
        await host.StopAsync();
    }

    [Fact]
    public async Task AddBlobStore_S3Settings_ResolvesS3StoreWithBoundOptions()
    {
        using var host = Build(new()
        {
            ["Storage:Kind"] = "S3",
            ["Storage:S3:Bucket"] = "segloop",
            ["Storage:S3:ServiceUrl"] = "http://127.0.0.1:9000",
            ["Storage:S3:ForcePathStyle"] = "true",
            ["Storage:S3:Region"] = "eu-west-1",
            ["Storage:S3:AccessKey"] = "ak",
            ["Storage:S3:SecretKey"] = "sk",
            ["Storage:S3:PartSizeBytes"] = "6291456",
        });
        await host.StartAsync();

        var store = Assert.IsType<S3BlobStore>(host.Services.GetRequiredService<IBlobStore>());
        Assert.Equal("segloop", store.Bucket);
        var options = host.Services.GetRequiredService<IOptions<S3StorageOptions>>().Value;
        Assert.Equal(6291456, options.PartSizeBytes);
        Assert.Equal(16 * 1024 * 1024, options.MultipartThresholdBytes);
        Assert.True(options.ForcePathStyle);
        await host.StopAsync();
    }

    [Fact]
    public void AddBlobStore_ClientAndTimeProviderRegisteredBefore_AreKept()
    {
        var services = new ServiceCollection().AddLogging();
        using var client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("a", "b"),
            new Amazon.S3.AmazonS3Config { ServiceURL = "http://127.0.0.1:9" });
        var clock = new FixedTimeProvider();
        services.AddSingleton<Amazon.S3.IAmazonS3>(client).AddSingleton<TimeProvider>(clock);
        services.AddBlobStore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Kind"] = "S3",
            ["Storage:S3:Bucket"] = "b",
        }).Build());
        using var provider = services.BuildServiceProvider();

        Assert.Same(client, provider.GetRequiredService<Amazon.S3.IAmazonS3>());
        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
        Assert.IsType<S3BlobStore>(provider.GetRequiredService<IBlobStore>());
    }

    private sealed class FixedTimeProvider : TimeProvider;

    [Fact]
    public void StaticCredentials_KeyFiles_ReadTrimmed()
    {
        var access = Path.Combine(_folder, "access");
        var secret = Path.Combine(_folder, "secret");
        File.WriteAllText(access, "AKIAFROMFILE\n");
        File.WriteAllText(secret, "  secret-from-file \n");

        var credentials = S3ClientFactory.StaticCredentials(new S3StorageOptions { Bucket = "b", AccessKeyFile = access, SecretKeyFile = secret });

        var resolved = Assert.IsType<Amazon.Runtime.BasicAWSCredentials>(credentials).GetCredentials();
        Assert.Equal("AKIAFROMFILE", resolved.AccessKey);
        Assert.Equal("secret-from-file", resolved.SecretKey);
    }

    [Fact]
    public void StaticCredentials_NoneConfigured_ReturnsNullForTheStandardChain() =>
        Assert.Null(S3ClientFactory.StaticCredentials(new S3StorageOptions { Bucket = "b" }));

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddBlobStore(builder.Configuration);
        return builder.Build();
    }
}
