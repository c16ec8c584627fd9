using System.Globalization;
using System.Text;

namespace SegLoop.CropBuilder.Datasets;

/// <summary>Crops per domain x class: available in the manifests, and selected per split.</summary>
public sealed record DatasetStatsCell(string Domain, string ClassName, int Available, int Train, int Val, int Test)
{
    public int Selected => Train + Val + Test;
}

/// <summary>What a dataset holds, written as stats.json and printed as a table.</summary>
public sealed record DatasetStats
{
    public required string Date { get; init; }
    public required IReadOnlyList<string> TaxonomyVersions { get; init; }
    public required int Manifests { get; init; }
    public required int SourceImages { get; init; }
    public required int Available { get; init; }
    public required int Selected { get; init; }
    public required IReadOnlyDictionary<string, int> Splits { get; init; }
    /// <summary>Source images per split (an image is in exactly one).</summary>
    public required IReadOnlyDictionary<string, int> ImagesPerSplit { get; init; }
    public required IReadOnlyList<DatasetStatsCell> Cells { get; init; }

    public static DatasetStats From(string date, int manifests, IReadOnlyCollection<CropManifestRow> available, IReadOnlyCollection<DatasetEntry> selected)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(selected);
        var cells = available.GroupBy(r => (r.Domain, r.ClassName))
            .OrderBy(g => g.Key.Domain, StringComparer.Ordinal).ThenBy(g => g.Key.ClassName, StringComparer.Ordinal)
            .Select(g =>
            {
                var picked = selected.Where(e => e.Crop.Domain == g.Key.Domain && e.Crop.ClassName == g.Key.ClassName).ToList();
                return new DatasetStatsCell(g.Key.Domain, g.Key.ClassName, g.Select(r => r.CropId).Distinct(StringComparer.Ordinal).Count(),
                    picked.Count(e => e.Split == DatasetAssembler.Train), picked.Count(e => e.Split == DatasetAssembler.Val),
                    picked.Count(e => e.Split == DatasetAssembler.Test));
            })
            .ToList();
        return new DatasetStats
        {
            Date = date,
            TaxonomyVersions = available.Select(r => r.TaxonomyVersion).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            Manifests = manifests,
            SourceImages = available.Select(r => r.SourceImageKey).Distinct(StringComparer.Ordinal).Count(),
            Available = cells.Sum(c => c.Available),
            Selected = selected.Count,
            Splits = DatasetAssembler.Splits.ToDictionary(s => s, s => selected.Count(e => e.Split == s)),
            ImagesPerSplit = DatasetAssembler.Splits.ToDictionary(s => s,
                s => selected.Where(e => e.Split == s).Select(e => e.Crop.SourceImageKey).Distinct(StringComparer.Ordinal).Count()),
            Cells = cells,
        };
    }

    /// <summary>A plain-text table: one line per domain x class, then the totals.</summary>
    public string ToTable()
    {
        var domainWidth = Math.Max(6, Cells.Select(c => c.Domain.Length).DefaultIfEmpty(0).Max());
        var classWidth = Math.Max(5, Cells.Select(c => c.ClassName.Length).DefaultIfEmpty(0).Max());
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        void Line(string domain, string cls, string available, string train, string val, string test, string selected) =>
            text.Append(inv, $"{domain.PadRight(domainWidth)}  {cls.PadRight(classWidth)}  {available,9}  {train,6}  {val,6}  {test,6}  {selected,8}\n");
        Line("domain", "class", "available", "train", "val", "test", "selected");
        Line(new string('-', domainWidth), new string('-', classWidth), "---------", "------", "------", "------", "--------");
        foreach (var c in Cells)
            Line(c.Domain, c.ClassName, c.Available.ToString(inv), c.Train.ToString(inv), c.Val.ToString(inv), c.Test.ToString(inv), c.Selected.ToString(inv));
        Line(new string('-', domainWidth), new string('-', classWidth), "---------", "------", "------", "------", "--------");
        Line("total", $"{Cells.Count} cells", Available.ToString(inv), Splits[DatasetAssembler.Train].ToString(inv),
            Splits[DatasetAssembler.Val].ToString(inv), Splits[DatasetAssembler.Test].ToString(inv), Selected.ToString(inv));
        Line("images", "", SourceImages.ToString(inv), ImagesPerSplit[DatasetAssembler.Train].ToString(inv),
            ImagesPerSplit[DatasetAssembler.Val].ToString(inv), ImagesPerSplit[DatasetAssembler.Test].ToString(inv), "");
        return text.ToString();
    }
}
