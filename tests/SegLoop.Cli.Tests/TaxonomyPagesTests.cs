using SegLoop.Contracts;
using SegLoop.Storage;
using SegLoop.Taxonomy;
using SegLoop.Testing;
using Spectre.Console;

namespace SegLoop.Cli.Tests;

/// <summary>The taxonomy pages the CLI draws from the Taxonomy service's reports (the reports themselves are tested in SegLoop.Taxonomy.Tests).</summary>
public sealed class TaxonomyPagesTests
{
    private static (IAnsiConsole Console, StringWriter Output) Console()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 250;
        return (console, output);
    }

    [Fact]
    public void Check_OverrideToAnUnknownClass_RendersTheProblemAndReturnsNonZero()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, """
            classes:
              - { id: 1, name: bicycle, synonyms: [bike], approved: true, background: false }
            overrides:
              - customer: acme
                project: null
                map: { "flyer": airplane }
            """);
        try
        {
            var (console, output) = Console();

            var exitCode = TaxonomyPages.Check(path, console);

            Assert.Equal(1, exitCode);
            Assert.Contains("unknown-override-target", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("would not load", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task UnmappedAsync_UnreadableObservation_IsNamedAndTheRestIsShown()
    {
        var store = new InMemoryBlobStore();
        await store.PutJsonAsync(TaxonomyKeys.Unmapped("acme", "streets", "t1"), new UnmappedClassesObserved
        {
            TaskId = "t1", Customer = "acme", Project = "streets", TaxonomyVersion = "0123456789ab",
            Classes = [new UnmappedClass { Name = "Zeppelin", Count = 2, Suggestions = ["airplane", "kite"] }],
        });
        await store.PutBytesAsync("taxonomy/unmapped/acme/streets/broken.json", "{not json"u8.ToArray());
        var (console, output) = Console();

        var exitCode = await TaxonomyPages.UnmappedAsync(store, console);

        Assert.Equal(0, exitCode);
        var text = output.ToString();
        Assert.Contains("Zeppelin", text, StringComparison.Ordinal);
        Assert.Contains("airplane, kite", text, StringComparison.Ordinal);
        Assert.Contains("taxonomy/unmapped/acme/streets/broken.json", text, StringComparison.Ordinal);
    }
}
