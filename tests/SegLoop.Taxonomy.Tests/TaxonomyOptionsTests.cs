using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SegLoop.Storage;

namespace SegLoop.Taxonomy.Tests;

public sealed class TaxonomyOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton<IBlobStore>(new InMemoryBlobStore())
            .AddTaxonomy(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    [Fact]
    public void Options_MissingPath_FailsNamingTheKey()
    {
        using var provider = Build(new() { ["Taxonomy:Path"] = "/nonexistent/common.yaml" });

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TaxonomyOptions>>().Value);
        Assert.Contains("Taxonomy:Path '/nonexistent/common.yaml'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ReloadIntervalOutOfRange_FailsNamingTheKey()
    {
        using var provider = Build(new() { ["Taxonomy:ReloadInterval"] = "00:00:00.001" });

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TaxonomyOptions>>().Value);
        Assert.Contains("Taxonomy:ReloadInterval", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTaxonomy_PathSet_ProviderLoadsThatFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "segloop-taxonomy-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, "classes:\n  - { id: 1, name: widget, synonyms: [], approved: true, background: false }\n");
        try
        {
            using var provider = Build(new() { ["Taxonomy:Path"] = path, ["Taxonomy:ReloadInterval"] = "00:00:30" });

            var taxonomy = provider.GetRequiredService<TaxonomyProvider>().Current;

            Assert.Equal("widget", Assert.Single(taxonomy.Classes).Name);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
