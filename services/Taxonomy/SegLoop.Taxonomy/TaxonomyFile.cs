using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SegLoop.Taxonomy;

/// <summary>The taxonomy YAML as written: see Taxonomy/common.yaml for the layout.</summary>
internal sealed class TaxonomyFile
{
    public List<TaxonomyFileClass> Classes { get; set; } = [];
    public List<TaxonomyFileOverride> Overrides { get; set; } = [];

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    private static readonly ISerializer CanonicalSerializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .DisableAliases()
        .Build();

    /// <summary>Parses the YAML; unknown keys are errors, so a misspelt flag never passes silently.</summary>
    /// <exception cref="TaxonomyException">The text is not valid taxonomy YAML.</exception>
    public static TaxonomyFile Parse(string yaml)
    {
        try
        {
            var file = Deserializer.Deserialize<TaxonomyFile?>(yaml) ?? new TaxonomyFile();
            file.Classes ??= [];
            file.Overrides ??= [];
            foreach (var c in file.Classes)
                c.Synonyms ??= [];
            foreach (var o in file.Overrides)
                o.Map ??= [];
            return file;
        }
        catch (YamlException e)
        {
            var problem = new TaxonomyProblem(TaxonomyProblemSeverity.Error, "yaml",
                $"line {e.Start.Line}, column {e.Start.Column}: {Innermost(e).Message}");
            throw new TaxonomyException([problem]);
        }
    }

    /// <summary>
    /// The content in one canonical form (classes by id, overrides by scope, maps by key), so the version
    /// hash changes with the meaning of the file, not with comments, layout or order.
    /// </summary>
    public string ToCanonicalYaml()
    {
        var canonical = new TaxonomyFile
        {
            Classes = [.. Classes.OrderBy(c => c.Id).Select(c => new TaxonomyFileClass
            {
                Id = c.Id, Name = c.Name.Trim(), Synonyms = [.. c.Synonyms.Select(s => s.Trim())],
                Approved = c.Approved, Background = c.Background,
            })],
            Overrides = [.. Overrides
                .OrderBy(o => o.Customer, StringComparer.Ordinal)
                .ThenBy(o => o.Project ?? "", StringComparer.Ordinal)
                .Select(o => new TaxonomyFileOverride
                {
                    Customer = o.Customer, Project = o.Project,
                    Map = new SortedDictionary<string, string>(o.Map, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal),
                })],
        };
        return CanonicalSerializer.Serialize(canonical);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}

internal sealed class TaxonomyFileClass
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public List<string> Synonyms { get; set; } = [];
    public bool Approved { get; set; }
    public bool Background { get; set; }
}

internal sealed class TaxonomyFileOverride
{
    public string Customer { get; set; } = "";
    /// <summary>Null: the override applies to every project of the customer.</summary>
    public string? Project { get; set; }
    public Dictionary<string, string> Map { get; set; } = [];
}
