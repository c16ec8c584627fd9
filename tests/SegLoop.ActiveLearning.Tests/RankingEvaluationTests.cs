namespace SegLoop.ActiveLearning.Tests;

public sealed class RankingEvaluationTests
{
    [Fact]
    public void Spearman_SameOrder_IsOne_ReversedIsMinusOne()
    {
        Assert.Equal(1.0, RankingEvaluation.Spearman([1, 2, 3, 10], [0.1, 0.5, 0.6, 0.7]), 1e-12);
        Assert.Equal(-1.0, RankingEvaluation.Spearman([1, 2, 3, 10], [0.7, 0.6, 0.5, 0.1]), 1e-12);
    }

    [Fact]
    public void Spearman_HandComputedWithTies()
    {
        // x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4: Pearson of the ranks = 4.5 / sqrt(4.5 * 5) = 0.948683.
        Assert.Equal(0.948683, RankingEvaluation.Spearman([1, 2, 2, 3], [10, 20, 30, 40]), 1e-6);
    }

    [Fact]
    public void Spearman_ConstantSide_IsNaN() => Assert.True(double.IsNaN(RankingEvaluation.Spearman([1, 1, 1], [1, 2, 3])));

    [Fact]
    public void Ranks_TiesShareTheirMeanRank() => Assert.Equal([3.0, 1.5, 1.5, 4.0], RankingEvaluation.Ranks([5, 2, 2, 9]));

    [Fact]
    public void RandomBaseline_HundredItems_SpreadNearOneOverRootN()
    {
        var (one, spread) = RankingEvaluation.RandomBaseline(Enumerable.Range(0, 100).Select(i => (double)i).ToList());

        Assert.InRange(one, -0.4, 0.4);
        Assert.InRange(spread, 0.07, 0.13); // 1 / sqrt(99) = 0.1005
    }

    [Fact]
    public void TopShare_MostUncertainFifth_HandComputed()
    {
        // Ten regions of 10 px; the two most uncertain hold 12 of the 20 error pixels.
        var regions = Enumerable.Range(0, 10).Select(i => new ScoredRegion(i / 10.0, 10, i >= 8 ? 6 : i == 0 ? 8 : 0)).ToList();

        var share = RankingEvaluation.TopShare(regions, 0.2);

        Assert.Equal(2, share.Chosen);
        Assert.Equal(12.0 / 20, share.ErrorShareOfChosen, 1e-12);
        Assert.Equal(0.2, share.AreaShareOfChosen, 1e-12);
        Assert.Equal(3.0, share.LiftOverCount(0.2), 1e-12);
    }
}
