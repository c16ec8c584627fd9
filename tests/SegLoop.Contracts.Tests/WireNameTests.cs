using System.Reflection;
using MassTransit;

namespace SegLoop.Contracts.Tests;

/// <summary>The wire names are the contract between deployed services: renaming one must be a decision, not an accident.</summary>
public sealed class WireNameTests
{
    public static TheoryData<Type, string> Expected() => new()
    {
        { typeof(AnnotationTaskCompleted), "urn:message:segloop:annotation-task-completed" },
        { typeof(AnnotationIngested), "urn:message:segloop:annotation-ingested" },
        { typeof(AnnotationRejected), "urn:message:segloop:annotation-rejected" },
        { typeof(AnnotationNormalized), "urn:message:segloop:annotation-normalized" },
        { typeof(UnmappedClassesObserved), "urn:message:segloop:unmapped-classes-observed" },
        { typeof(CropsEmitted), "urn:message:segloop:crops-emitted" },
        { typeof(PreAnnotationRequested), "urn:message:segloop:pre-annotation-requested" },
        { typeof(PreAnnotationCompleted), "urn:message:segloop:pre-annotation-completed" },
        { typeof(PreAnnotationFailed), "urn:message:segloop:pre-annotation-failed" },
        { typeof(ModelPromoted), "urn:message:segloop:model-promoted" },
        { typeof(RankingRequested), "urn:message:segloop:ranking-requested" },
        { typeof(RankingCompleted), "urn:message:segloop:ranking-completed" },
        { typeof(RankingFailed), "urn:message:segloop:ranking-failed" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void MessageUrn_ForType_IsPinned(Type type, string urn) => Assert.Equal(urn, MessageUrn.ForTypeString(type));

    [Fact]
    public void Expected_ListsEveryMessageType()
    {
        var listed = Expected().Select(row => (Type)row[0]).ToHashSet();
        var declared = typeof(AnnotationTaskCompleted).Assembly.GetExportedTypes()
            .Where(t => t.GetCustomAttribute<MessageUrnAttribute>() is not null);

        Assert.Empty(declared.Where(t => !listed.Contains(t)).Select(t => t.Name));
    }

    [Fact]
    public void Messages_AreSealedRecordsWithSchemaVersion()
    {
        foreach (var type in ContractJsonTests.MessageTypes())
        {
            Assert.True(type.IsSealed, $"{type.Name} is not sealed");
            Assert.NotNull(type.GetMethod("<Clone>$"));
            Assert.Equal(typeof(int), type.GetProperty("SchemaVersion")?.PropertyType);
        }
    }
}
