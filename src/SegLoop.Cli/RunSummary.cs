using System.Globalization;
using SegLoop.Storage;

namespace SegLoop.Cli;

/// <summary>What a run left in its store, by kind: the last lines of <c>segloop run --once</c>, instead of bus logs.</summary>
internal static class RunSummary
{
    public sealed record Produced(string What, string Prefix, int Count, string? Example);

    private static readonly (string What, string Prefix)[] Kinds =
    [
        ("images", "images/"),
        ("ingested annotations", "annotations/ingested/"),
        ("normalized annotations", "annotations/normalized/"),
        ("training crops", "crops/"),
        ("crop manifests", "crop-manifests/"),
        ("pre-annotations", "prelabels/"),
    ];

    public static async Task<IReadOnlyList<Produced>> CollectAsync(IBlobStore store, string root, CancellationToken cancellationToken)
    {
        var result = new List<Produced>();
        foreach (var (what, prefix) in Kinds)
        {
            var count = 0;
            string? example = null;
            await foreach (var key in store.ListAsync(prefix, cancellationToken))
            {
                if (what == "training crops" && key.EndsWith(".png", StringComparison.Ordinal))
                    continue; // a crop's mask sits beside it
                count++;
                example ??= Path.Combine(root, key);
            }
            result.Add(new Produced(what, Path.Combine(root, prefix), count, example));
        }
        return result;
    }

    public static void Print(TextWriter stdout, string root, IReadOnlyList<Produced> produced)
    {
        stdout.WriteLine($"segloop run --once: done; everything is in {root} (a store of its own, apart from your data)");
        foreach (var p in produced)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {p.What,-23} {p.Count,3}  {(p.Example is null ? "(none)" : p.Example)}"));
        }
    }
}
