namespace SegLoop.Deploy.Tests;

/// <summary>
/// Every setting the services read is deployed: listed in deploy/compose/.env.example and provided by
/// the k8s base (ConfigMap or secret reference). And the reverse, for the sections whose options
/// classes exist: nothing deployed under such a section is a key no options class reads (a typo).
/// </summary>
public sealed class ConfigurationCrossCheckTests
{
    private static IReadOnlyList<(string Key, bool IsCollection, string Source)> AllKeys() =>
        SettingsCatalog.FromOptionsClasses()
            .Select(k => (k.Key, k.IsCollection, Source: k.Options.FullName!))
            .Concat(SettingsCatalog.DirectlyRead.Select(k => (Key: k, IsCollection: false, Source: "SettingsCatalog.DirectlyRead")))
            .ToList();

    [Fact]
    public void EnvExample_EverySettingTheServicesRead_IsListed()
    {
        var listed = SettingsCatalog.EnvExampleKeys();

        var missing = AllKeys()
            .Where(k => !listed.Contains(k.Key) && !(k.IsCollection && listed.Any(l => l.StartsWith(k.Key + "__", StringComparison.Ordinal))))
            .Select(k => $"{k.Key} (read by {k.Source})")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0, "Missing from deploy/compose/.env.example:\n  " + string.Join("\n  ", missing));
    }

    [Fact]
    public void K8sBase_EverySettingTheServicesRead_IsInConfigMapOrSecretReference()
    {
        var k8s = KubernetesSettings.FromBase();

        var missing = AllKeys()
            .Where(k => !k8s.Provides(k.Key, k.IsCollection))
            .Select(k => $"{k.Key} (read by {k.Source})")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0,
            "Not provided by deploy/k8s/base (ConfigMap segloop-config, a secretKeyRef env var, or {Key}File into a mounted Secret):\n  "
            + string.Join("\n  ", missing));
    }

    [Fact]
    public void DeployedKeys_UnderAKnownOptionsSection_AreReadBySomething()
    {
        var known = AllKeys().ToList();
        var sections = SettingsCatalog.SectionPrefixes();
        var deployed = SettingsCatalog.EnvExampleKeys().Select(k => (Key: k, Where: ".env.example"))
            .Concat(KubernetesSettings.FromBase().ConfigMap.Keys.Select(k => (Key: k, Where: "k8s ConfigMap")));

        var unknown = deployed
            .Where(d => sections.Any(s => d.Key.StartsWith(s + "__", StringComparison.Ordinal)))
            .Where(d => !known.Any(k => k.Key == d.Key || (k.IsCollection && d.Key.StartsWith(k.Key + "__", StringComparison.Ordinal))))
            .Select(d => $"{d.Key} ({d.Where})")
            .ToList();

        Assert.True(unknown.Count == 0, "Deployed but read by no options class (typo, or a removed setting?):\n  " + string.Join("\n  ", unknown));
    }

    [Fact]
    public void KeysOf_NestedOptions_YieldsEnvVarNamesRecursively()
    {
        var keys = SettingsCatalog.KeysOf(typeof(SampleOptions), "Sample").ToList();

        Assert.Equal(
            [("Sample__Name", false), ("Sample__Count", false), ("Sample__Timeout", false), ("Sample__Mode", false),
             ("Sample__Intervals", true), ("Sample__Inner__Host", false), ("Sample__Inner__Port", false)],
            keys);
        Assert.Equal("Sample", SettingsCatalog.SectionNameOf(typeof(SampleOptions)));
        Assert.Null(SettingsCatalog.SectionNameOf(typeof(SampleInner)));
    }

    [Fact]
    public void EnvExampleKeys_CommentedSetting_CountsButProseDoesNot()
    {
        var keys = SettingsCatalog.EnvExampleKeys();

        Assert.Contains("Bus__RabbitMq__PasswordFile", keys); // "# Bus__RabbitMq__PasswordFile=" in the file
        Assert.Contains("Bus__RabbitMq__Host", keys);
        Assert.DoesNotContain("Secret", keys);
    }

    private sealed class SampleOptions
    {
        public const string SectionName = "Sample";

        public string Name { get; set; } = "";
        public int Count { get; init; }
        public TimeSpan? Timeout { get; set; }
        public DayOfWeek Mode { get; set; }
        public IList<TimeSpan> Intervals { get; } = [];
        public SampleInner Inner { get; set; } = new();
        public string Computed => Name + "!";
    }

    private sealed class SampleInner
    {
        public string Host { get; set; } = "";
        public int Port { get; set; }
    }
}
