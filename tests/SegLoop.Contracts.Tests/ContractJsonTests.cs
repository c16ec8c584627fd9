using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Serialization;

namespace SegLoop.Contracts.Tests;

/// <summary>Every message survives JSON both with the web defaults and with MassTransit's own serializer settings.</summary>
public sealed class ContractJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> MessageNames() => new(SampleMessages.All.Select(m => m.GetType().Name));

    private static object Sample(string name) => SampleMessages.All.Single(m => m.GetType().Name == name);

    public static IEnumerable<Type> MessageTypes() =>
        typeof(AnnotationTaskCompleted).Assembly.GetExportedTypes().Where(t => t.GetCustomAttribute<MessageUrnAttribute>() is not null);

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void RoundTrip_WebDefaults_SameJsonAndNoPropertyLost(string name) => AssertRoundTrip(Sample(name), Web);

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void RoundTrip_MassTransitSerializer_SameJsonAndNoPropertyLost(string name) =>
        AssertRoundTrip(Sample(name), SystemTextJsonMessageSerializer.Options);

    [Fact]
    public void Samples_CoverEveryMessageType()
    {
        var sampled = SampleMessages.All.Select(m => m.GetType()).ToHashSet();

        Assert.Empty(MessageTypes().Where(t => !sampled.Contains(t)).Select(t => t.Name));
    }

    [Fact]
    public void Deserialize_MissingRequiredProperty_Throws()
    {
        var json = """{"taskId":"t-1","customer":"acme"}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AnnotationTaskCompleted>(json, Web));
    }

    [Fact]
    public void Deserialize_NoSchemaVersion_DefaultsToOne()
    {
        var json = JsonSerializer.Serialize(SampleMessages.Promoted, Web).Replace("\"schemaVersion\":1,", "", StringComparison.Ordinal);

        Assert.Equal(1, JsonSerializer.Deserialize<ModelPromoted>(json, Web)!.SchemaVersion);
    }

    private static void AssertRoundTrip(object message, JsonSerializerOptions options)
    {
        var type = message.GetType();
        var json = JsonSerializer.Serialize(message, type, options);

        var back = JsonSerializer.Deserialize(json, type, options);

        Assert.NotNull(back);
        Assert.Equal(json, JsonSerializer.Serialize(back, type, options));
        // Every property is on the wire with a non-null value: the samples set them all, so a property the
        // serializer cannot read back (no setter, wrong name) shows up here.
        var node = JsonNode.Parse(json)!.AsObject();
        foreach (var property in type.GetProperties())
        {
            var wireName = options.PropertyNamingPolicy?.ConvertName(property.Name) ?? property.Name;
            Assert.True(node.ContainsKey(wireName), $"{type.Name}.{property.Name} missing from JSON: {json}");
            Assert.NotNull(node[wireName]);
        }
    }
}
