namespace SegLoop.Evaluation;

/// <summary>
/// NoC@t of a set of instances: the mean number of clicks until IoU first reaches <see cref="Threshold"/>, an instance
/// that never reaches it counted as <see cref="MaxClicks"/> (the standard interactive-segmentation measure, capped at
/// the clicks simulated); <see cref="Reached"/> of <see cref="Instances"/> reached it.
/// </summary>
public sealed record NocSummary(double Threshold, double Mean, int Reached, int Instances, int MaxClicks);

public static class NumberOfClicks
{
    /// <summary>The thresholds reported: NoC@85 and NoC@90.</summary>
    public static readonly IReadOnlyList<double> Thresholds = [0.85, 0.90];

    /// <summary>Clicks one instance needed to reach <paramref name="threshold"/> (0 when its first mask did), or null when it never did.</summary>
    public static int? ClicksToReach(InstanceEvaluation instance, double threshold)
    {
        ArgumentNullException.ThrowIfNull(instance);
        for (var k = 0; k < instance.Steps.Count; k++)
        {
            if (instance.Steps[k].Iou >= threshold)
                return k;
        }
        return null;
    }

    /// <summary>NoC@<paramref name="threshold"/> over <paramref name="instances"/> with at most <paramref name="maxClicks"/> clicks each.</summary>
    public static NocSummary Compute(IReadOnlyList<InstanceEvaluation> instances, double threshold, int maxClicks)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentOutOfRangeException.ThrowIfNegative(maxClicks);
        if (instances.Count == 0)
            return new NocSummary(threshold, double.NaN, 0, 0, maxClicks);
        var reached = 0;
        var total = 0.0;
        foreach (var instance in instances)
        {
            var k = ClicksToReach(instance, threshold);
            if (k is { } clicks && clicks <= maxClicks)
            {
                reached++;
                total += clicks;
            }
            else
            {
                total += maxClicks;
            }
        }
        return new NocSummary(threshold, total / instances.Count, reached, instances.Count, maxClicks);
    }
}
