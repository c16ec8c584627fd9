using MassTransit;
using YamlDotNet.RepresentationModel;

namespace SegLoop.Deploy.Tests;

/// <summary>KEDA scales each worker on the queue its consumer really reads, named by MassTransit's kebab-case formatter.</summary>
public sealed class QueueNameTests
{
    public static TheoryData<string, string> Workers() => new()
    {
        { "ingest", KebabCaseEndpointNameFormatter.Instance.Consumer<SegLoop.Ingest.AnnotationTaskCompletedConsumer>() },
        { "taxonomy", KebabCaseEndpointNameFormatter.Instance.Consumer<SegLoop.Taxonomy.AnnotationIngestedConsumer>() },
        { "cropbuilder", KebabCaseEndpointNameFormatter.Instance.Consumer<SegLoop.CropBuilder.AnnotationNormalizedConsumer>() },
        { "inference", KebabCaseEndpointNameFormatter.Instance.Consumer<SegLoop.Inference.PreAnnotationRequestedConsumer>() },
    };

    [Theory]
    [MemberData(nameof(Workers))]
    public void ScaledObject_QueueName_IsTheConsumersEndpoint(string worker, string expectedQueue)
    {
        var scaledObject = KustomizeTests.Render("base").Single(d =>
            Scalar(d, "kind") == "ScaledObject" && Scalar((YamlMappingNode)d["metadata"], "name")!.Contains(worker, StringComparison.Ordinal));

        var trigger = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)scaledObject["spec"])["triggers"]).Children[0];
        Assert.Equal(expectedQueue, Scalar((YamlMappingNode)trigger["metadata"], "queueName"));
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;
}
