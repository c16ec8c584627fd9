using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SegLoop.Taxonomy.Tests;

public sealed class TaxonomyProviderTests : IDisposable
{
    private const string Original = """
        classes:
          - { id: 1, name: car, synonyms: [], approved: true, background: false }
          - { id: 2, name: sky, synonyms: [], approved: false, background: true }
        """;

    private readonly string _path = Path.Combine(Path.GetTempPath(), "segloop-taxonomy-" + Guid.NewGuid().ToString("N") + ".yaml");

    public TaxonomyProviderTests() => File.WriteAllText(_path, Original);

    public void Dispose() => File.Delete(_path);

    private TaxonomyProvider Create(TimeSpan interval, ILogger<TaxonomyProvider>? logger = null) =>
        new(Options.Create(new TaxonomyOptions { Path = _path, ReloadInterval = interval }), TimeProvider.System,
            logger ?? NullLogger<TaxonomyProvider>.Instance);

    [Fact]
    public void Version_ChangesWithMeaningNotWithLayout()
    {
        var original = CommonTaxonomy.Parse(Original).Version;
        var reformatted = CommonTaxonomy.Parse("# a comment\n" + Original.Replace("{ id: 1,", "{id: 1,", StringComparison.Ordinal)).Version;
        var changed = CommonTaxonomy.Parse(Original.Replace("name: car, synonyms: []", "name: car, synonyms: [auto]", StringComparison.Ordinal)).Version;

        Assert.Equal(original, reformatted);
        Assert.NotEqual(original, changed);
    }

    [Fact]
    public async Task Reload_FileEdited_PicksUpNewVersionWithoutRestart()
    {
        using var provider = Create(TimeSpan.FromMilliseconds(100));
        var before = provider.Current.Version;
        Assert.Null(provider.Current.Find("truck"));

        await File.WriteAllTextAsync(_path, Original + "\n  - { id: 3, name: truck, synonyms: [lorry], approved: true, background: false }\n");

        // The polling timer picks the edit up on its own.
        var deadline = Environment.TickCount64 + 10_000;
        while (provider.Current.Version == before && Environment.TickCount64 < deadline)
            await Task.Delay(50);
        Assert.NotEqual(before, provider.Current.Version);
        Assert.Equal("truck", provider.Current.Find("Lorry")?.Name);
    }

    [Fact]
    public void Reload_BadEdit_KeepsPreviousTaxonomyAndLogsTheError()
    {
        var logger = new RecordingLogger();
        using var provider = Create(TimeSpan.FromHours(1), logger);
        var before = provider.Current;

        File.WriteAllText(_path, Original + "\n  - { id: 3, name: Car, synonyms: [], approved: true, background: false }\n");
        var changed = provider.Reload();

        Assert.False(changed);
        Assert.Same(before, provider.Current);
        var error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(_path, error.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate-name", error.Exception?.Message, StringComparison.Ordinal);

        // Fixing the file afterwards takes effect.
        File.WriteAllText(_path, Original.Replace("name: car, synonyms: []", "name: car, synonyms: [auto]", StringComparison.Ordinal));
        Assert.True(provider.Reload());
        Assert.Equal("car", provider.Current.Find("auto")?.Name);
    }

    [Fact]
    public void Reload_UnchangedFile_ReturnsFalse()
    {
        using var provider = Create(TimeSpan.FromHours(1));

        Assert.False(provider.Reload());
    }

    [Fact]
    public void Constructor_BadFileAtStart_Throws()
    {
        File.WriteAllText(_path, "classes: [ {id: 1, name: car");

        var e = Assert.Throws<TaxonomyException>(() => Create(TimeSpan.FromHours(1)));
        Assert.Equal("yaml", Assert.Single(e.Problems).Code);
    }

    [Fact]
    public void Constructor_NoPath_UsesBuiltInDefault()
    {
        using var provider = new TaxonomyProvider(Options.Create(new TaxonomyOptions()), TimeProvider.System, NullLogger<TaxonomyProvider>.Instance);

        Assert.Equal(CommonTaxonomy.LoadDefault().Version, provider.Current.Version);
        Assert.False(provider.Reload());
    }

    private sealed class RecordingLogger : ILogger<TaxonomyProvider>
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception), exception));
    }
}
