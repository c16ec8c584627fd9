using SegLoop.CropBuilder.Geometry;

namespace SegLoop.CropBuilder.Datasets;

/// <summary>One crop in a dataset manifest, with the split its source image belongs to.</summary>
public sealed record DatasetEntry(string Split, CropManifestRow Crop);

/// <summary>
/// Picks a dataset from the emitted crops: per class at most <see cref="DatasetOptions.MaxPerClass"/>, shared among
/// domains by their weights (a domain with fewer crops than its share gives the rest to the others), within a
/// (domain, class) cell the crops with the lowest stable hash first; and splits by source image.
/// </summary>
public static class DatasetAssembler
{
    public const string Train = "train";
    public const string Val = "val";
    public const string Test = "test";

    public static readonly IReadOnlyList<string> Splits = [Train, Val, Test];

    /// <summary>
    /// The split of a source image: the stable hash of its key in [0, 1) against the fractions. Depends on nothing
    /// but the key, so every crop of an image lands in one split and the image keeps it as data is added.
    /// </summary>
    public static string SplitOf(string sourceImageKey, double trainFraction, double valFraction)
    {
        var u = CropPadding.UnitHash("split/" + sourceImageKey);
        return u < trainFraction ? Train : u < trainFraction + valFraction ? Val : Test;
    }

    public static IReadOnlyList<DatasetEntry> Assemble(IEnumerable<CropManifestRow> rows, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        // A crop id is unique; a manifest read twice (or rewritten) must not count twice.
        var unique = rows.GroupBy(r => r.CropId, StringComparer.Ordinal).Select(g => g.First());
        var selected = new List<DatasetEntry>();
        foreach (var byClass in unique.GroupBy(r => r.ClassName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var cells = byClass.GroupBy(r => r.Domain, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.OrderBy(r => CropPadding.UnitHash(r.CropId)).ThenBy(r => r.CropId, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
            var quota = Math.Min(options.MaxPerClass, cells.Values.Sum(c => c.Count));
            var allocation = Allocate(quota, cells.ToDictionary(c => c.Key, c => c.Value.Count, StringComparer.Ordinal),
                d => options.DomainWeights.TryGetValue(d, out var w) ? w : options.DefaultDomainWeight);
            foreach (var (domain, take) in allocation.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                foreach (var row in cells[domain].Take(take))
                    selected.Add(new DatasetEntry(SplitOf(row.SourceImageKey, options.TrainFraction, options.ValFraction), row));
            }
        }
        return selected;
    }

    /// <summary>
    /// Shares <paramref name="quota"/> among domains in proportion to their weights without giving any more than it
    /// has (water-filling); what is left after whole shares goes by largest remainder, ties by name.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Allocate(int quota, IReadOnlyDictionary<string, int> available, Func<string, double> weightOf)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(weightOf);
        var allocation = available.Keys.ToDictionary(d => d, _ => 0, StringComparer.Ordinal);
        var active = available.Where(a => a.Value > 0 && weightOf(a.Key) > 0).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        var remaining = quota;
        while (remaining > 0 && active.Count > 0)
        {
            var total = active.Sum(weightOf);
            var full = active.Where(d => available[d] <= remaining * weightOf(d) / total).ToList();
            if (full.Count == 0)
                break;
            foreach (var d in full)
            {
                allocation[d] = available[d];
                remaining -= available[d];
                active.Remove(d);
            }
        }
        if (remaining > 0 && active.Count > 0)
        {
            var total = active.Sum(weightOf);
            var shares = active.Select(d => (Domain: d, Ideal: remaining * weightOf(d) / total)).ToList();
            var given = 0;
            foreach (var (d, ideal) in shares)
            {
                allocation[d] = (int)Math.Floor(ideal);
                given += allocation[d];
            }
            foreach (var (d, _) in shares.OrderByDescending(s => s.Ideal - Math.Floor(s.Ideal)).ThenBy(s => s.Domain, StringComparer.Ordinal))
            {
                if (given >= remaining)
                    break;
                if (allocation[d] < available[d])
                {
                    allocation[d]++;
                    given++;
                }
            }
        }
        return allocation;
    }
}
