using YamlDotNet.RepresentationModel;

namespace SegLoop.Deploy.Tests;

/// <summary>Small helpers over YamlDotNet's representation model (anchors and `&lt;&lt;` merges resolved).</summary>
internal static class Yaml
{
    public static IReadOnlyList<YamlMappingNode> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlMappingNode LoadFile(string path) => LoadAll(File.ReadAllText(path)).Single();

    /// <summary>The value of <paramref name="key"/>, following YAML merge keys (`&lt;&lt;: *anchor`).</summary>
    public static YamlNode? Get(this YamlMappingNode map, string key)
    {
        if (map.Children.TryGetValue(new YamlScalarNode(key), out var value))
            return value;
        if (map.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode parent)
            return parent.Get(key);
        return null;
    }

    public static YamlNode? Path(this YamlNode? node, params string[] keys)
    {
        foreach (var key in keys)
            node = node is YamlMappingNode map ? map.Get(key) : null;
        return node;
    }

    public static string? Scalar(this YamlNode? node) => (node as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode? node) =>
        node is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<string> Keys(this YamlNode? node) =>
        node is YamlMappingNode map ? map.Children.Keys.Select(k => k.Scalar() ?? string.Empty) : [];

    public static string Kind(this YamlMappingNode document) => document.Get("kind").Scalar() ?? string.Empty;

    public static string Name(this YamlMappingNode document) => document.Path("metadata", "name").Scalar() ?? string.Empty;

    /// <summary>Every mapping under the node (itself included), depth first.</summary>
    public static IEnumerable<YamlMappingNode> Descendants(this YamlNode node)
    {
        if (node is YamlMappingNode map)
        {
            yield return map;
            foreach (var child in map.Children.Values)
                foreach (var d in child.Descendants())
                    yield return d;
        }
        else if (node is YamlSequenceNode seq)
        {
            foreach (var child in seq.Children)
                foreach (var d in child.Descendants())
                    yield return d;
        }
    }
}
