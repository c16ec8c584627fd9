using System.Text;

namespace SegLoop.Taxonomy;

/// <summary>
/// The matching rules for class names. Two names match when their keys are equal: case, spaces and
/// punctuation are ignored (only letters and digits are kept, lower-cased). A name that does not match
/// as written is tried again without a trailing "s" (bicycles), and without a trailing "es" after s, x, z,
/// ch or sh (buses, boxes, glasses, brushes); irregular plurals (people, knives) are synonyms in the taxonomy file.
/// </summary>
public static class ClassNameKey
{
    /// <summary>Letters and digits of <paramref name="name"/>, lower-cased: "Traffic-Light " -> "trafficlight".</summary>
    public static string Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c))
                builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    /// <summary>The keys to try for <paramref name="name"/>, in order: as written, then the simple singulars.</summary>
    public static IReadOnlyList<string> Candidates(string name)
    {
        var key = Of(name);
        if (key.Length == 0)
            return [];
        var candidates = new List<string>(3) { key };
        // Keep a stem of at least three letters so "bus" is never tried as "bu".
        if (key.Length > 3 && key[^1] == 's' && key[^2] != 's')
            candidates.Add(key[..^1]);
        if (key.Length > 4 && key.EndsWith("es", StringComparison.Ordinal) && EndsWithSibilant(key[..^2]))
            candidates.Add(key[..^2]);
        return candidates;
    }

    /// <summary>The simplest singular of <paramref name="name"/>'s key: names with equal stems are the same name for the clash checks.</summary>
    public static string Stem(string name)
    {
        var candidates = Candidates(name);
        return candidates.Count == 0 ? "" : candidates[^1];
    }

    private static bool EndsWithSibilant(string stem) =>
        stem[^1] is 's' or 'x' or 'z' || stem.EndsWith("ch", StringComparison.Ordinal) || stem.EndsWith("sh", StringComparison.Ordinal);
}
