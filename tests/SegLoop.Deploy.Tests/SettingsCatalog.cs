using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using SegLoop.Testing;

namespace SegLoop.Deploy.Tests;

/// <summary>
/// Every configuration key the services read, in environment-variable form (Section__Key):
/// found by reflection over the SegLoop.* assemblies (each options class carries a
/// `public const string SectionName`; its bindable public properties, nested option objects
/// recursively), plus <see cref="DirectlyRead"/>, the few keys read without an options class.
/// </summary>
internal static partial class SettingsCatalog
{
    /// <summary>
    /// Keys not bound through an options class:
    /// OTEL_EXPORTER_OTLP_ENDPOINT is read by the hosting defaults (and the OpenTelemetry SDK) straight
    /// from the environment; the rest are the settings agreed for services still being written
    /// (BRIEF conventions), kept here so deploy/ cannot drop them before their options classes land
    /// (reflection then finds them too; listing a key twice is harmless).
    /// </summary>
    public static readonly IReadOnlyList<string> DirectlyRead =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "Bus__Transport", "Bus__RabbitMq__Host", "Bus__RabbitMq__Port", "Bus__RabbitMq__VirtualHost",
        "Bus__RabbitMq__Username", "Bus__RabbitMq__Password", "Bus__RabbitMq__PasswordFile",
        "Bus__PrefetchCount",
        "Storage__Kind", "Storage__Local__Root", "Storage__S3__Bucket", "Storage__S3__ServiceUrl",
        "Storage__S3__Region", "Storage__S3__ForcePathStyle", "Storage__S3__AccessKey", "Storage__S3__SecretKey",
        "Storage__S3__AccessKeyFile", "Storage__S3__SecretKeyFile", "Storage__S3__MultipartThresholdBytes",
        "Storage__S3__PartSizeBytes", "Storage__S3__CreateBucketIfMissing",
        "Taxonomy__Path",
        "Ingest__Webhook__Secret", "Ingest__Webhook__SecretFile",
        "ModelRuntime__ExecutionProvider",
    ];

    /// <summary>(options type, env-var key, whether the property is a collection) for every options class found.</summary>
    public static IReadOnlyList<(Type Options, string Key, bool IsCollection)> FromOptionsClasses() =>
        SegLoopAssemblies()
            .SelectMany(LoadableTypes)
            .Select(t => (Type: t, Section: SectionNameOf(t)))
            .Where(x => x.Section is not null)
            .SelectMany(x => KeysOf(x.Type, x.Section!.Replace(":", "__", StringComparison.Ordinal))
                .Select(k => (x.Type, k.Key, k.IsCollection)))
            .ToList();

    /// <summary>The section prefixes (env-var form) of the options classes found.</summary>
    public static IReadOnlyList<string> SectionPrefixes() =>
        SegLoopAssemblies().SelectMany(LoadableTypes).Select(SectionNameOf).OfType<string>()
            .Select(s => s.Replace(":", "__", StringComparison.Ordinal)).Distinct().ToList();

    public static string? SectionNameOf(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
        && field.FieldType == typeof(string)
            ? (string?)field.GetRawConstantValue()
            : null;

    /// <summary>The keys the configuration binder would bind on <paramref name="type"/> under <paramref name="prefix"/>.</summary>
    public static IEnumerable<(string Key, bool IsCollection)> KeysOf(Type type, string prefix, int depth = 0)
    {
        if (depth > 8)
            throw new InvalidOperationException($"Options nesting deeper than 8 at {prefix}: a cycle?");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
                continue;
            var key = prefix + "__" + property.Name;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var settable = property.SetMethod is { IsPublic: true };
            if (IsScalar(propertyType))
            {
                if (settable)
                    yield return (key, false);
            }
            else if (propertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                // Arrays and lists bind from Key__0, Key__1...; a getter-only list is filled in place, but a
                // getter-only read-only view (a computed property) is not configuration at all.
                if (settable || typeof(IList).IsAssignableFrom(propertyType) || IsMutableGenericCollection(propertyType))
                    yield return (key, true);
            }
            else if (propertyType.IsClass || (propertyType.IsValueType && !propertyType.IsPrimitive))
            {
                foreach (var nested in KeysOf(propertyType, key, depth + 1))
                    yield return nested;
            }
        }
    }

    private static bool IsMutableGenericCollection(Type type) =>
        !type.IsArray && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollection<>));

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(DateTime)
        || type == typeof(Guid) || type == typeof(Uri) || type == typeof(DateOnly) || type == typeof(TimeOnly);

    private static IEnumerable<Assembly> SegLoopAssemblies()
    {
        // Every SegLoop.* library the test references lands beside it; the test assemblies themselves are not services.
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "SegLoop.*.dll").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.EndsWith(".Tests", StringComparison.Ordinal) || name == "SegLoop.Testing")
                continue;
            yield return Assembly.Load(new AssemblyName(name));
        }
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    /// <summary>
    /// Keys of deploy/compose/.env.example: `Key=value` lines, and `# Key=` lines (a setting the services
    /// read that compose leaves at its default; documented, not set).
    /// </summary>
    public static IReadOnlySet<string> EnvExampleKeys() =>
        File.ReadAllLines(RepoPaths.Path("deploy", "compose", ".env.example"))
            .Select(l => EnvLineRegex().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Groups["key"].Value)
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*(?:#\s*)?(?<key>[A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvLineRegex();
}
