using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SegLoop.CropBuilder.Datasets;

/// <summary>The next time of day <c>at</c> (UTC) strictly after <c>now</c>.</summary>
public static class NightlySchedule
{
    public static DateTimeOffset NextRun(DateTimeOffset now, TimeOnly at)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(DateOnly.FromDateTime(utc.UtcDateTime).ToDateTime(at), TimeSpan.Zero);
        return today > utc ? today : today.AddDays(1);
    }
}

/// <summary>
/// Builds the dataset every day at <c>CropBuilder:Nightly:At</c> (UTC) when <c>CropBuilder:Nightly:Enabled</c>, dated
/// with the UTC day of the run. Time comes from the injected <see cref="TimeProvider"/>. A failed build is logged and
/// the next night tries again; crops are never touched, so nothing is lost.
/// </summary>
public sealed class NightlyDatasetService(DatasetBuilder builder, IOptions<CropBuilderOptions> options, TimeProvider time,
    ILogger<NightlyDatasetService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nightly = options.Value.Nightly;
        if (!nightly.Enabled)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = NightlySchedule.NextRun(time.GetUtcNow(), nightly.At);
            Log.NightlyScheduled(logger, next);
            var wait = next - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            var date = DateOnly.FromDateTime(next.UtcDateTime);
            try
            {
                await builder.BuildAsync(date, cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A background schedule has no queue to fault to: log, and let the next night try again.
                Log.NightlyFailed(logger, e, date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
