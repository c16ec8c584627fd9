using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SegLoop.Annotations;
using SegLoop.Storage;

namespace SegLoop.Taxonomy.Tests;

public sealed class TaxonomyNormalizerTests
{
    [Fact]
    public async Task NormalizeAsync_AfterOverrideAdded_MapsFormerlyUnmappedAndRemovesStaleObservation()
    {
        var store = new InMemoryBlobStore();
        await store.PutJsonAsync(AnnotationKeys.Ingested(TestDocuments.Customer, TestDocuments.Project, "t3"), TestDocuments.StreetScene("t3"));
        var path = Path.Combine(Path.GetTempPath(), "segloop-taxonomy-" + Guid.NewGuid().ToString("N") + ".yaml");
        await File.WriteAllTextAsync(path, CommonTaxonomy.DefaultYaml());
        try
        {
            using var provider = new TaxonomyProvider(Options.Create(new TaxonomyOptions { Path = path, ReloadInterval = TimeSpan.FromHours(1) }),
                TimeProvider.System, NullLogger<TaxonomyProvider>.Instance);
            var normalizer = new TaxonomyNormalizer(store, provider, NullLogger<TaxonomyNormalizer>.Instance);
            var unmappedKey = TaxonomyKeys.Unmapped(TestDocuments.Customer, TestDocuments.Project, "t3");

            var before = await normalizer.NormalizeAsync(TestDocuments.Ingested("t3"), CancellationToken.None);
            Assert.NotNull(before.Unmapped);
            Assert.True(store.Blobs.ContainsKey(unmappedKey));

            await File.AppendAllTextAsync(path, """

                overrides:
                  - customer: acme
                    project: null
                    map: { "Zeppelin": airplane, "bycicle": bicycle }
                """);
            Assert.True(provider.Reload());
            var after = await normalizer.NormalizeAsync(TestDocuments.Ingested("t3"), CancellationToken.None);

            Assert.Null(after.Unmapped);
            Assert.False(store.Blobs.ContainsKey(unmappedKey));
            Assert.Equal(5, after.Normalized.KeptCount);
            Assert.Equal(0, after.Normalized.DroppedCounts["unmapped"]);
            Assert.NotEqual(before.Normalized.TaxonomyVersion, after.Normalized.TaxonomyVersion);
            var document = await store.GetJsonAsync<AnnotationDocument>(after.Normalized.DocumentKey);
            Assert.Equal(["car", "person", "airplane", "airplane", "bicycle"], document.Instances.Select(i => i.ClassName));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
