namespace SegLoop.ActiveLearning;

/// <summary>A superpixel as evaluation sees it: its uncertainty, its size and how many of its pixels the model got wrong.</summary>
public readonly record struct ScoredRegion(double Score, int Area, int ErrorPixels);

/// <summary>What the most uncertain share of superpixels holds: their share of all error pixels and of all pixels.</summary>
public sealed record ErrorShare(int Regions, int Chosen, double ErrorShareOfChosen, double AreaShareOfChosen)
{
    /// <summary>Error share over count share (the fraction chosen): 1 means no better than any region.</summary>
    public double LiftOverCount(double fraction) => fraction <= 0 ? 0 : ErrorShareOfChosen / fraction;

    /// <summary>Error share over area share: 1 means the chosen regions hold errors only in proportion to their size.</summary>
    public double LiftOverArea => AreaShareOfChosen <= 0 ? 0 : ErrorShareOfChosen / AreaShareOfChosen;
}

/// <summary>Does the ranking mean something? Rank correlation against error, and where the errors lie.</summary>
public static class RankingEvaluation
{
    /// <summary>Spearman's rank correlation (Pearson's on ranks, ties given their mean rank); NaN when either side is constant.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"x has {x.Count} values and y {y.Count}", nameof(y));
        if (x.Count < 2)
            return double.NaN;
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>1-based ranks, ties sharing the mean of the ranks they span.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
                end++;
            var rank = ((start + end) / 2.0) + 1;
            for (var k = start; k <= end; k++)
                ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    private static double Pearson(double[] a, double[] b)
    {
        var ma = a.Average();
        var mb = b.Average();
        double cov = 0, va = 0, vb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma) * (a[i] - ma);
            vb += (b[i] - mb) * (b[i] - mb);
        }
        return va == 0 || vb == 0 ? double.NaN : cov / Math.Sqrt(va * vb);
    }

    /// <summary>
    /// Spearman's correlation of a random ranking with <paramref name="y"/>: one seeded draw (the column beside the
    /// measures) and the spread (standard deviation) over <paramref name="draws"/> draws, what chance alone gives.
    /// </summary>
    public static (double One, double Spread) RandomBaseline(IReadOnlyList<double> y, int seed = 23, int draws = 1000)
    {
        ArgumentNullException.ThrowIfNull(y);
        var random = new Random(seed);
        var values = new double[draws];
        for (var d = 0; d < draws; d++)
            values[d] = Spearman(Enumerable.Range(0, y.Count).Select(_ => random.NextDouble()).ToList(), y);
        var mean = values.Average();
        return (values[0], Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, draws - 1)));
    }

    /// <summary>
    /// The <paramref name="fraction"/> most uncertain regions across the pool (at least one; ties by pool order): their
    /// share of all error pixels and of all pixels.
    /// </summary>
    public static ErrorShare TopShare(IReadOnlyList<ScoredRegion> regions, double fraction)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (!(fraction is > 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the fraction must be in (0, 1]");
        if (regions.Count == 0)
            return new ErrorShare(0, 0, 0, 0);
        var chosen = Math.Max(1, (int)Math.Round(regions.Count * fraction));
        var top = regions.Select((r, i) => (r, i)).OrderByDescending(x => x.r.Score).ThenBy(x => x.i).Take(chosen).Select(x => x.r).ToList();
        double errors = regions.Sum(r => (long)r.ErrorPixels), area = regions.Sum(r => (long)r.Area);
        return new ErrorShare(regions.Count, chosen,
            errors == 0 ? 0 : top.Sum(r => (long)r.ErrorPixels) / errors,
            area == 0 ? 0 : top.Sum(r => (long)r.Area) / area);
    }
}
