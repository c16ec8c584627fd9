using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Taxonomy.Tests;

public sealed class TaxonomyUnmappedTests
{
    private static UnmappedClassesObserved Observed(string customer, string project, string taskId, params (string Name, int Count)[] classes) => new()
    {
        TaskId = taskId,
        Customer = customer,
        Project = project,
        TaxonomyVersion = "0123456789ab",
        Classes = [.. classes.Select(c => new UnmappedClass { Name = c.Name, Count = c.Count, Suggestions = ["airplane", "kite"] })],
    };

    private static async Task<InMemoryBlobStore> StoreWithObservationsAsync()
    {
        var store = new InMemoryBlobStore();
        async Task Put(UnmappedClassesObserved o) =>
            await store.PutJsonAsync(TaxonomyKeys.Unmapped(o.Customer, o.Project, o.TaskId), o);
        await Put(Observed("acme", "streets", "t1", ("Zeppelin", 2), ("gizmo", 1)));
        await Put(Observed("acme", "streets", "t2", ("zeppelins", 3)));
        // Redelivery of t2 rewrites the same key: still counted once.
        await Put(Observed("acme", "streets", "t2", ("zeppelins", 3)));
        await Put(Observed("globex", "fields", "t9", ("Zeppelin", 5)));
        return store;
    }

    [Fact]
    public async Task AggregateAsync_SumsPerCustomerProjectAndMatchingKey()
    {
        var store = await StoreWithObservationsAsync();

        var report = await TaxonomyUnmapped.AggregateAsync(store);

        Assert.Equal(
            [("acme", "streets", "Zeppelin, zeppelins", 5, 2), ("globex", "fields", "Zeppelin", 5, 1), ("acme", "streets", "gizmo", 1, 1)],
            report.Rows.Select(r => (r.Customer, r.Project, r.Name, r.Count, r.Tasks)));
        Assert.Equal(["airplane", "kite"], report.Rows[0].Suggestions);
        Assert.Empty(report.UnreadableKeys);
    }

    [Fact]
    public async Task AggregateAsync_CustomerFilter_OnlyThatCustomer()
    {
        var store = await StoreWithObservationsAsync();

        var report = await TaxonomyUnmapped.AggregateAsync(store, "globex");

        Assert.Equal("globex", Assert.Single(report.Rows).Customer);
    }
}
