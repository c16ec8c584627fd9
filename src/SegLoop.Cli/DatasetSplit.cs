using Microsoft.Extensions.DependencyInjection;
using SegLoop.Evaluation;
using SegLoop.Storage;
using SegLoop.Training;

namespace SegLoop.Cli;

/// <summary>
/// <c>--ground-truth dataset:SPLIT[:MANIFEST_KEY]</c>: a split of a dataset <c>segloop dataset build</c> wrote, read from
/// the --data store (or Storage__Kind=S3), so a model is scored on the very crops the nightly gate scores it on.
/// </summary>
public static class DatasetSplit
{
    private const string Scheme = "dataset:";

    public static bool TryParse(string spec, out string split, out string? manifestKey)
    {
        ArgumentNullException.ThrowIfNull(spec);
        split = "";
        manifestKey = null;
        if (!spec.StartsWith(Scheme, StringComparison.Ordinal))
            return false;
        var rest = spec[Scheme.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        split = colon < 0 ? rest : rest[..colon];
        manifestKey = colon < 0 ? null : rest[(colon + 1)..];
        return true;
    }

    public static async Task<GroundTruthSet> LoadAsync(string split, string? manifestKey, string? dataRoot, string cropFolder, CancellationToken cancellationToken)
    {
        using var services = CliConfiguration.StorageServices(CliConfiguration.Build(dataRoot));
        var store = services.GetRequiredService<IBlobStore>();
        try
        {
            var dataset = await TrainingDataset.LoadAsync(store, TrainingDataset.DefaultPrefix, manifestKey, cancellationToken);
            var truth = await dataset.GroundTruthAsync(store, split, cropFolder, cancellationToken);
            return truth.Instances.Count > 0 ? truth : throw new EvaluationInputException($"{dataset.ManifestKey} has no crop in its {split} split.");
        }
        catch (TrainingInputException e)
        {
            throw new EvaluationInputException($"--ground-truth dataset:{split}: {e.Message}", e);
        }
    }
}
