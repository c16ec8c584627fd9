using SegLoop.Testing;
using YamlDotNet.RepresentationModel;

namespace SegLoop.Deploy.Tests;

/// <summary>What the rendered k8s base gives the workers: ConfigMap keys, secret references, secret mounts.</summary>
internal sealed class KubernetesSettings
{
    public required IReadOnlyDictionary<string, string> ConfigMap { get; init; }
    public required IReadOnlySet<string> SecretEnv { get; init; }
    public required IReadOnlySet<string> SecretMountPaths { get; init; }

    public static KubernetesSettings FromBase()
    {
        var documents = KustomizeTests.Render("base");
        var configMap = documents.Single(d => d.Kind() == "ConfigMap" && d.Name() == "segloop-config");
        var data = ((YamlMappingNode)configMap.Get("data")!).Children
            .ToDictionary(kv => kv.Key.Scalar()!, kv => kv.Value.Scalar() ?? string.Empty, StringComparer.Ordinal);

        var secretEnv = new HashSet<string>(StringComparer.Ordinal);
        var secretMounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in documents.SelectMany(d => d.Descendants()).Where(m => m.Get("containers") is not null))
        {
            var secretVolumes = pod.Get("volumes").Items()
                .Where(v => v.Path("secret", "secretName") is not null)
                .Select(v => v.Path("name").Scalar())
                .ToHashSet(StringComparer.Ordinal);
            foreach (var container in pod.Get("containers").Items())
            {
                foreach (var env in container.Path("env").Items())
                {
                    if (env.Path("valueFrom", "secretKeyRef", "name") is not null)
                        secretEnv.Add(env.Path("name").Scalar()!);
                }
                foreach (var mount in container.Path("volumeMounts").Items())
                {
                    if (secretVolumes.Contains(mount.Path("name").Scalar()))
                        secretMounts.Add(mount.Path("mountPath").Scalar()!.TrimEnd('/') + "/");
                }
            }
        }
        return new KubernetesSettings { ConfigMap = data, SecretEnv = secretEnv, SecretMountPaths = secretMounts };
    }

    /// <summary>
    /// Whether k8s provides <paramref name="key"/>: in the ConfigMap, as an env var from a secretKeyRef,
    /// or, for a secret with a file variant, through `{key}File` in the ConfigMap pointing into a mounted Secret.
    /// </summary>
    public bool Provides(string key, bool isCollection)
    {
        if (ConfigMap.ContainsKey(key) || SecretEnv.Contains(key))
            return true;
        if (isCollection && ConfigMap.Keys.Any(k => k.StartsWith(key + "__", StringComparison.Ordinal)))
            return true;
        return ConfigMap.TryGetValue(key + "File", out var path)
            && SecretMountPaths.Any(mount => path.StartsWith(mount, StringComparison.Ordinal));
    }
}
