
namespace SegLoop.Taxonomy.Tests;

public sealed class TaxonomyCheckTests
{
    private const string Planted = """
        classes:
          - { id: 1, name: bicycle, synonyms: [bike], approved: true, background: false }
          - { id: 2, name: Bi-Cycle, synonyms: [], approved: true, background: false }
          - { id: 3, name: motorcycle, synonyms: [Bike, moto], approved: true, background: false }
          - { id: 4, name: car, synonyms: [motorcycle], approved: true, background: false }
          - { id: 4, name: sky, synonyms: [], approved: true, background: true }
        overrides:
          - customer: acme
            project: null
            map: { "velo": bicycle, "flyer": airplane }
          - customer: acme
            project: null
            map: { "moped": motorcycle }
        """;

    private static IReadOnlyList<string> Codes(TaxonomyCheckReport report) => [.. report.Problems.Select(p => p.Code)];

    [Fact]
    public void CheckText_PlantedProblems_ReportsEachWithTheNamesInvolved()
    {
        var report = TaxonomyCheck.CheckText(Planted, "planted.yaml");

        Assert.Equal(1, report.ExitCode);
        Assert.Contains(report.Problems, p => p.Code == "duplicate-name" && p.Message.Contains("'Bi-Cycle'", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Code == "synonym-clash" && p.Message.Contains("'Bike'", StringComparison.Ordinal)
                                              && p.Message.Contains("'bicycle'", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Code == "synonym-clash" && p.Message.Contains("'motorcycle' of 'car'", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Code == "unknown-override-target" && p.Message.Contains("'airplane'", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Code == "duplicate-id" && p.Message.Contains("id 4", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p is { Code: "background-approved", Severity: TaxonomyProblemSeverity.Warning });
        Assert.Contains(report.Problems, p => p.Code == "duplicate-override");
        Assert.Null(report.Version);
    }

    [Fact]
    public void CheckText_OverrideClash_IsReported()
    {
        var yaml = CommonTaxonomy.DefaultYaml() + """

            overrides:
              - customer: acme
                project: p1
                map: { "Bikes": bicycle, "bike": motorcycle }
            """;

        Assert.Equal(["override-clash"], Codes(TaxonomyCheck.CheckText(yaml, "x")));
    }

    [Fact]
    public void CheckText_MisspeltKey_IsAYamlErrorWithItsLine()
    {
        var yaml = """
            classes:
              - { id: 1, name: car, synonyms: [], approved: true, backgorund: false }
            """;

        var report = TaxonomyCheck.CheckText(yaml, "x");

        var problem = Assert.Single(report.Problems);
        Assert.Equal("yaml", problem.Code);
        Assert.Contains("line 2", problem.Message, StringComparison.Ordinal);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void CheckFile_MissingFile_FailsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");

        var report = TaxonomyCheck.CheckFile(path);

        Assert.Equal(1, report.ExitCode);
        Assert.Contains(path, Assert.Single(report.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PlantedProblems_ThrowsWithEveryError()
    {
        var e = Assert.Throws<TaxonomyException>(() => CommonTaxonomy.Parse(Planted));

        Assert.All(e.Problems, p => Assert.Equal(TaxonomyProblemSeverity.Error, p.Severity));
        Assert.Contains(e.Problems, p => p.Code == "unknown-override-target");
    }
}
