using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace SegLoop.Taxonomy;

/// <summary>One class of the common taxonomy.</summary>
public sealed record TaxonomyClass(int Id, string Name, IReadOnlyList<string> Synonyms, bool Approved, bool Background);

/// <summary>
/// A loaded, validated, immutable common taxonomy: its classes, the customer and project overrides,
/// and its version (a content hash). Safe to share between threads.
/// </summary>
public sealed class CommonTaxonomy
{
    /// <summary>Resource name of the default taxonomy shipped in this assembly.</summary>
    public const string DefaultResourceName = "SegLoop.Taxonomy.common.yaml";

    private const int VersionHexLength = 12;

    private readonly FrozenDictionary<string, TaxonomyClass> _common;
    private readonly FrozenDictionary<string, FrozenDictionary<string, TaxonomyClass>> _overrides;

    private CommonTaxonomy(TaxonomyFile file, IReadOnlyList<TaxonomyProblem> warnings)
    {
        Classes = [.. file.Classes.Select(c => new TaxonomyClass(c.Id, c.Name.Trim(), [.. c.Synonyms.Select(s => s.Trim())], c.Approved, c.Background))];
        Warnings = warnings;

        var names = Classes.ToDictionary(c => ClassNameKey.Of(c.Name), StringComparer.Ordinal);
        var common = new Dictionary<string, TaxonomyClass>(names, StringComparer.Ordinal);
        foreach (var c in Classes)
        {
            foreach (var synonym in c.Synonyms)
                common.TryAdd(ClassNameKey.Of(synonym), c);
        }
        _common = common.ToFrozenDictionary(StringComparer.Ordinal);
        _overrides = file.Overrides.ToFrozenDictionary(
            o => ScopeKey(o.Customer, o.Project),
            o => o.Map.ToDictionary(m => ClassNameKey.Of(m.Key), m => names[ClassNameKey.Of(m.Value)], StringComparer.Ordinal)
                .ToFrozenDictionary(StringComparer.Ordinal),
            StringComparer.Ordinal);

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(file.ToCanonicalYaml()));
        Version = Convert.ToHexStringLower(hash)[..VersionHexLength];
    }

    /// <summary>First 12 hex digits of the SHA-256 of the canonical YAML: stamped on every output.</summary>
    public string Version { get; }

    public IReadOnlyList<TaxonomyClass> Classes { get; }

    /// <summary>Problems that do not stop the taxonomy from loading (e.g. a class both background and approved).</summary>
    public IReadOnlyList<TaxonomyProblem> Warnings { get; }

    /// <summary>Parses and validates taxonomy YAML.</summary>
    /// <exception cref="TaxonomyException">The YAML is malformed or has errors (duplicate names, clashes, unknown override targets...).</exception>
    public static CommonTaxonomy Parse(string yaml)
    {
        var file = TaxonomyFile.Parse(yaml);
        var problems = TaxonomyValidator.Validate(file);
        var errors = problems.Where(p => p.Severity == TaxonomyProblemSeverity.Error).ToList();
        if (errors.Count > 0)
            throw new TaxonomyException(errors);
        return new CommonTaxonomy(file, [.. problems.Where(p => p.Severity != TaxonomyProblemSeverity.Error)]);
    }

    /// <summary>The default taxonomy shipped with the service (COCO, VOC, Cityscapes and CamVid classes).</summary>
    public static CommonTaxonomy LoadDefault() => Parse(DefaultYaml());

    /// <summary>The text of the default taxonomy file, e.g. to write out as a starting point for an operator's own.</summary>
    public static string DefaultYaml()
    {
        using var stream = typeof(CommonTaxonomy).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {DefaultResourceName} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The common class <paramref name="className"/> maps to for this customer and project, or null when
    /// nothing maps it. Precedence: the project's override, the customer's override, then the common names
    /// and synonyms. Within each, the name as written is tried before its simple singulars.
    /// </summary>
    public TaxonomyClass? Find(string className, string? customer = null, string? project = null)
    {
        var candidates = ClassNameKey.Candidates(className);
        if (candidates.Count == 0)
            return null;
        if (customer is not null)
        {
            if (project is not null && _overrides.TryGetValue(ScopeKey(customer, project), out var projectMap)
                && FindIn(projectMap, candidates) is { } byProject)
                return byProject;
            if (_overrides.TryGetValue(ScopeKey(customer, null), out var customerMap)
                && FindIn(customerMap, candidates) is { } byCustomer)
                return byCustomer;
        }
        return FindIn(_common, candidates);
    }

    /// <summary>
    /// Up to <paramref name="count"/> common class names nearest to an unmapped name, best first: the best of
    /// edit-distance similarity and word overlap against each class's name and synonyms. Names with
    /// nothing within reach (similarity under 0.4) get no suggestions.
    /// </summary>
    public IReadOnlyList<string> Suggest(string className, int count = 3)
    {
        var keys = ClassNameKey.Candidates(className);
        if (keys.Count == 0)
            return [];
        var words = Words(className);
        return [.. Classes
            .Select(c => (c.Name, Score: c.Synonyms.Prepend(c.Name).Max(term => Similarity(keys, words, term))))
            .Where(s => s.Score >= 0.4)
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(s => s.Name)];
    }

    private static TaxonomyClass? FindIn(FrozenDictionary<string, TaxonomyClass> map, IReadOnlyList<string> candidates)
    {
        foreach (var key in candidates)
        {
            if (map.TryGetValue(key, out var found))
                return found;
        }
        return null;
    }

    private static string ScopeKey(string customer, string? project) =>
        customer.Trim().ToLowerInvariant() + "\n" + project?.Trim().ToLowerInvariant();

    private static double Similarity(IReadOnlyList<string> keys, IReadOnlySet<string> words, string term)
    {
        var termKey = ClassNameKey.Of(term);
        var best = 0.0;
        foreach (var key in keys)
        {
            var longest = Math.Max(key.Length, termKey.Length);
            if (longest > 0)
                best = Math.Max(best, 1.0 - (double)Levenshtein(key, termKey) / longest);
        }
        var termWords = Words(term);
        var shared = words.Count(termWords.Contains);
        if (shared > 0)
            best = Math.Max(best, (double)shared / (words.Count + termWords.Count - shared));
        return best;
    }

    private static HashSet<string> Words(string name)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var inWord = i < name.Length && char.IsLetterOrDigit(name[i]);
            if (inWord && start < 0)
                start = i;
            else if (!inWord && start >= 0)
            {
                words.Add(name[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return words;
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
