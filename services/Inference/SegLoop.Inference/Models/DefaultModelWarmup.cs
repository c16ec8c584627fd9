using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegLoop.Inference.Backends;

namespace SegLoop.Inference.Models;

/// <summary>
/// Loads the promoted version of Inference:DefaultModel when the worker starts, in the background: the first request
/// does not pay the load, and the log says at start which execution provider the model really runs on (a CUDA request
/// that fell back to CPU shows here, not at the first request). A failure only costs the head start: the first request
/// loads the model again and fails the usual way if it still cannot.
/// </summary>
internal sealed class DefaultModelWarmup(ModelCatalog catalog, IOptions<InferenceOptions> options, ILogger<DefaultModelWarmup> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var name = options.Value.DefaultModel ?? ModelCatalog.PreferredDefault;
        try
        {
            name = await catalog.DefaultModelAsync(options.Value.DefaultModel, stoppingToken).ConfigureAwait(false);
            if (name == GrabCutBackend.ModelName)
                return;
            using var lease = await catalog.AcquireAsync(name, stoppingToken).ConfigureAwait(false);
            if (lease is null)
                Log.WarmupNoPromotedVersion(logger, name);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.WarmupFailed(logger, ex, name);
        }
    }
}
