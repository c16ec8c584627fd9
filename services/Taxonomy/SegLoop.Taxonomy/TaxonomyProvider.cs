using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SegLoop.Taxonomy;

/// <summary>
/// Holds the taxonomy in force. With Taxonomy:Path set it re-reads the file every Taxonomy:ReloadInterval
/// (polling, so it works on bind mounts and ConfigMaps where file events do not arrive); an edit that does
/// not parse or validate is logged and the previous good taxonomy stays. A bad file at start is an error.
/// </summary>
public sealed class TaxonomyProvider : IDisposable
{
    private readonly string? _path;
    private readonly ILogger<TaxonomyProvider> _logger;
    private readonly ITimer? _timer;
    private readonly Lock _reloadLock = new();
    private volatile CommonTaxonomy _current;
    private string _lastFileHash = "";

    public TaxonomyProvider(IOptions<TaxonomyOptions> options, TimeProvider timeProvider, ILogger<TaxonomyProvider> logger)
    {
        _logger = logger;
        _path = options.Value.Path;
        if (_path is null)
        {
            _current = CommonTaxonomy.LoadDefault();
            Loaded("the built-in default");
            return;
        }
        var bytes = File.ReadAllBytes(_path);
        _current = CommonTaxonomy.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        _lastFileHash = Hash(bytes);
        Loaded(_path);
        var interval = options.Value.ReloadInterval;
        _timer = timeProvider.CreateTimer(_ => Reload(), null, interval, interval);
    }

    /// <summary>The taxonomy in force now; take it once per unit of work so one output uses one version.</summary>
    public CommonTaxonomy Current => _current;

    /// <summary>
    /// Re-reads the file now if it changed. Returns true when a new taxonomy took effect; false when the
    /// file is unchanged, there is no file, or the edit is bad (logged; the previous taxonomy stays).
    /// </summary>
    public bool Reload()
    {
        if (_path is null)
            return false;
        lock (_reloadLock)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.TaxonomyReloadFailed(_logger, e, _path, _current.Version);
                return false;
            }
            var hash = Hash(bytes);
            if (hash == _lastFileHash)
                return false;
            // Remember the bytes even when they are bad, so one bad edit is logged once, not every tick.
            _lastFileHash = hash;
            try
            {
                var next = CommonTaxonomy.Parse(System.Text.Encoding.UTF8.GetString(bytes));
                if (next.Version == _current.Version)
                    return false;
                _current = next;
                Loaded(_path);
                return true;
            }
            catch (TaxonomyException e)
            {
                Log.TaxonomyReloadFailed(_logger, e, _path, _current.Version);
                return false;
            }
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void Loaded(string source)
    {
        var taxonomy = _current;
        Log.TaxonomyLoaded(_logger, taxonomy.Version, source, taxonomy.Classes.Count);
        foreach (var warning in taxonomy.Warnings)
            Log.TaxonomyWarning(_logger, taxonomy.Version, warning);
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
