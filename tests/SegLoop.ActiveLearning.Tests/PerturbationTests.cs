namespace SegLoop.ActiveLearning.Tests;

public sealed class PerturbationTests
{
    [Fact]
    public void Plan_OnePass_IsTheUnchangedModel() => Assert.Equal([Perturbation.Identity], Perturbation.Plan(1));

    [Fact]
    public void Plan_TwoPasses_AddsTheMirrorImage() => Assert.Equal(Perturbation.Identity with { Flip = true }, Perturbation.Plan(2)[1]);

    [Fact]
    public void Plan_SmallerD_IsAPrefixOfLargerD_AndWithinTheBounds()
    {
        var ten = Perturbation.Plan(10);
        var all = Perturbation.Plan(32);

        Assert.Equal(ten, all.Take(10));
        Assert.All(all, p =>
        {
            Assert.InRange(p.Scale, 1 - Perturbation.MaxScaleChange, 1 + Perturbation.MaxScaleChange);
            Assert.InRange(p.ShiftX, -Perturbation.MaxShift, Perturbation.MaxShift);
            Assert.InRange(p.ShiftY, -Perturbation.MaxShift, Perturbation.MaxShift);
        });
        Assert.Equal(32, all.Distinct().Count());
    }

    [Fact]
    public void Plan_ZeroPasses_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => Perturbation.Plan(0));

    [Fact]
    public void Box_ScaleShiftAndFlip_HandComputed()
    {
        // Box (10, 20, 40 x 20) in a 100-wide image: scale 1.1 -> 44 x 22 about the centre (30, 30) moved by 0.05 x 40 = 2
        // and -0.05 x 20 = -1 -> centre (32, 29), left 10, top 18; mirrored: left = 100 - (10 + 44) = 46.
        var p = new Perturbation(Flip: true, Scale: 1.1, ShiftX: 0.05, ShiftY: -0.05);

        var (x, y, w, h) = p.Box(10, 20, 40, 20, imageWidth: 100);

        Assert.Equal(46, x, 1e-9);
        Assert.Equal(18, y, 1e-9);
        Assert.Equal(44, w, 1e-9);
        Assert.Equal(22, h, 1e-9);
    }
}
