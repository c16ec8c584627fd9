using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Taxonomy.Tests;

public sealed class AnnotationIngestedConsumerTests
{
    private readonly InMemoryBlobStore _store = new();

    private async Task<(ServiceProvider Provider, ITestHarness Harness)> StartAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([]).Build();
        var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IBlobStore>(_store)
            .AddTaxonomy(configuration)
            .AddMassTransitTestHarness(bus => bus.AddTaxonomyConsumers())
            .BuildServiceProvider(validateScopes: true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return (provider, harness);
    }

    [Fact]
    public async Task Consume_StreetScene_PublishesCountsByReasonAndStoresKeptInstances()
    {
        await _store.PutJsonAsync(AnnotationKeys.Ingested(TestDocuments.Customer, TestDocuments.Project, "t1"), TestDocuments.StreetScene("t1"));
        var (provider, harness) = await StartAsync();
        await using var _ = provider;

        await harness.Bus.Publish(TestDocuments.Ingested("t1"));

        Assert.True(await harness.Published.Any<AnnotationNormalized>());
        var normalized = harness.Published.Select<AnnotationNormalized>().Single().Context.Message;
        var version = CommonTaxonomy.LoadDefault().Version;
        Assert.Equal(version, normalized.TaxonomyVersion);
        Assert.Equal(2, normalized.KeptCount);
        Assert.Equal(2, normalized.DroppedCounts["background"]);
        Assert.Equal(1, normalized.DroppedCounts["not-approved"]);
        Assert.Equal(3, normalized.DroppedCounts["unmapped"]);
        Assert.Equal(AnnotationKeys.Normalized(version, TestDocuments.Customer, TestDocuments.Project, "t1"), normalized.DocumentKey);

        var document = await _store.GetJsonAsync<AnnotationDocument>(normalized.DocumentKey);
        Assert.Equal(version, document.TaxonomyVersion);
        Assert.Equal([("1", "car", "Car"), ("2", "person", "Pedestrian")],
            document.Instances.Select(i => (i.Id, i.ClassName, i.SourceClassName)));

        Assert.True(await harness.Published.Any<UnmappedClassesObserved>());
        var unmapped = harness.Published.Select<UnmappedClassesObserved>().Single().Context.Message;
        Assert.Equal(["Zeppelin", "bycicle"], unmapped.Classes.Select(c => c.Name));
        Assert.Equal([2, 1], unmapped.Classes.Select(c => c.Count));
        Assert.Equal("bicycle", unmapped.Classes[1].Suggestions[0]);
        Assert.True(_store.Blobs.ContainsKey(TaxonomyKeys.Unmapped(TestDocuments.Customer, TestDocuments.Project, "t1")));
    }

    [Fact]
    public async Task Consume_Redelivered_RewritesIdenticalBytes()
    {
        await _store.PutJsonAsync(AnnotationKeys.Ingested(TestDocuments.Customer, TestDocuments.Project, "t2"), TestDocuments.StreetScene("t2"));
        var (provider, harness) = await StartAsync();
        await using var _ = provider;
        var consumer = harness.GetConsumerHarness<AnnotationIngestedConsumer>();

        await harness.Bus.Publish(TestDocuments.Ingested("t2"));
        Assert.True(await consumer.Consumed.Any<AnnotationIngested>());
        var first = _store.Blobs.ToDictionary(b => b.Key, b => b.Value);
        var putsAfterFirst = _store.PutCount;

        await harness.Bus.Publish(TestDocuments.Ingested("t2"));
        var deadline = Environment.TickCount64 + 10_000;
        while (consumer.Consumed.Select<AnnotationIngested>().Count() < 2 && Environment.TickCount64 < deadline)
            await Task.Delay(20);
        await harness.InactivityTask;

        Assert.Equal(2, consumer.Consumed.Select<AnnotationIngested>().Count());
        Assert.True(_store.PutCount > putsAfterFirst, "the redelivery should have written again");
        Assert.Equal(first.Keys.Order(), _store.Blobs.Keys.Order());
        Assert.All(first, b => Assert.Equal(b.Value, _store.Blobs[b.Key]));
    }

    [Fact]
    public async Task Consume_MissingDocument_FaultsInsteadOfAcking()
    {
        var (provider, harness) = await StartAsync();
        await using var _ = provider;

        await harness.Bus.Publish(TestDocuments.Ingested("missing"));

        Assert.True(await harness.Published.Any<Fault<AnnotationIngested>>());
        var fault = harness.Published.Select<Fault<AnnotationIngested>>().Single().Context.Message;
        Assert.Contains("annotations/ingested/acme/streets/missing.json", fault.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.False(await harness.Published.Any<AnnotationNormalized>());
    }
}
