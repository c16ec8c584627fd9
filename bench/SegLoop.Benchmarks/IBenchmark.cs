namespace SegLoop.Benchmarks;

/// <summary>One named benchmark. Implementations are found by reflection; add a class, nothing else.</summary>
public interface IBenchmark
{
    /// <summary>Name on the command line, e.g. "vision-crop".</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>Runs, prints figures and ratios to stdout, and returns the process exit code.</summary>
    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
