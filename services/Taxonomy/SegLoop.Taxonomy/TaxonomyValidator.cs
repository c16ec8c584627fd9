namespace SegLoop.Taxonomy;

/// <summary>Finds what would make name matching ambiguous or an override useless. Shared by loading and `taxonomy check`.</summary>
internal static class TaxonomyValidator
{
    public static IReadOnlyList<TaxonomyProblem> Validate(TaxonomyFile file)
    {
        var problems = new List<TaxonomyProblem>();
        void Error(string code, string message) => problems.Add(new(TaxonomyProblemSeverity.Error, code, message));

        if (file.Classes.Count == 0)
            Error("no-classes", "the file defines no classes");

        var byId = new Dictionary<int, string>();
        var nameOwner = new Dictionary<string, TaxonomyFileClass>(StringComparer.Ordinal);
        foreach (var c in file.Classes)
        {
            if (ClassNameKey.Of(c.Name).Length == 0)
            {
                Error("empty-name", $"class id {c.Id} has no name made of letters or digits ('{c.Name}')");
                continue;
            }
            if (!byId.TryAdd(c.Id, c.Name))
                Error("duplicate-id", $"id {c.Id} is used by '{byId[c.Id]}' and '{c.Name}'");
            var key = ClassNameKey.Stem(c.Name);
            if (!nameOwner.TryAdd(key, c))
                Error("duplicate-name", $"class names '{nameOwner[key].Name}' and '{c.Name}' are the same name once case, spacing, punctuation and plurals are ignored");
            if (c.Background && c.Approved)
                problems.Add(new(TaxonomyProblemSeverity.Warning, "background-approved",
                    $"class '{c.Name}' is both background and approved; background wins, so it is always dropped"));
        }

        // A synonym may not name another class, nor be claimed by two classes.
        var synonymOwner = new Dictionary<string, (TaxonomyFileClass Class, string Synonym)>(StringComparer.Ordinal);
        foreach (var c in file.Classes)
        {
            foreach (var synonym in c.Synonyms)
            {
                var key = ClassNameKey.Stem(synonym);
                if (key.Length == 0)
                {
                    Error("empty-name", $"class '{c.Name}' has a synonym with no letters or digits ('{synonym}')");
                    continue;
                }
                if (nameOwner.TryGetValue(key, out var named) && named != c)
                    Error("synonym-clash", $"synonym '{synonym}' of '{c.Name}' is the name of class '{named.Name}'");
                if (synonymOwner.TryGetValue(key, out var owner) && owner.Class != c)
                    Error("synonym-clash", $"'{synonym}' is a synonym of both '{owner.Class.Name}' ('{owner.Synonym}') and '{c.Name}'");
                else
                    synonymOwner.TryAdd(key, (c, synonym));
            }
        }

        var nameKeys = file.Classes.Select(c => ClassNameKey.Of(c.Name)).ToHashSet(StringComparer.Ordinal);
        var scopes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var o in file.Overrides)
        {
            var scope = o.Project is null ? $"customer '{o.Customer}'" : $"customer '{o.Customer}', project '{o.Project}'";
            if (string.IsNullOrWhiteSpace(o.Customer))
            {
                Error("override-scope", $"an override ({o.Map.Count} names) has no customer; overrides belong to a customer or one of its projects");
                continue;
            }
            if (o.Project is not null && string.IsNullOrWhiteSpace(o.Project))
                Error("override-scope", $"the override of customer '{o.Customer}' has an empty project; use null for all projects");
            if (!scopes.Add(o.Customer + "\n" + o.Project))
                Error("duplicate-override", $"{scope} has more than one override; merge their maps");

            var mapped = new Dictionary<string, (string Name, string Target)>(StringComparer.Ordinal);
            foreach (var (name, target) in o.Map)
            {
                var targetKey = ClassNameKey.Of(target ?? "");
                if (!nameKeys.Contains(targetKey))
                    Error("unknown-override-target", $"{scope} maps '{name}' to '{target}', which is not a class name");
                var key = ClassNameKey.Stem(name);
                if (key.Length == 0)
                    Error("empty-name", $"{scope} maps a name with no letters or digits ('{name}')");
                else if (mapped.TryGetValue(key, out var earlier) && ClassNameKey.Of(earlier.Target) != targetKey)
                    Error("override-clash", $"{scope} maps '{earlier.Name}' to '{earlier.Target}' and '{name}' to '{target}', which are the same name");
                else
                    mapped.TryAdd(key, (name, target ?? ""));
            }
        }
        return problems;
    }
}
