namespace SegLoop.Hosting.Tests;

public sealed class ConsumerStallDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(60);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    [Fact]
    public void Observe_MessagesWaitWithNoConsumer_StallOnceItLastsStallAfter()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        Assert.Null(detector.Observe("q", ready: 40, consumers: 0, finished: 0, At(0)));
        Assert.Null(detector.Observe("q", 40, 0, 0, At(30)));
        var stall = detector.Observe("q", 41, 0, 0, At(60));
        Assert.NotNull(stall);
        Assert.Equal(new QueueStall("q", 41, 0, TimeSpan.FromSeconds(60)), stall);
        Assert.Contains("no consumer attached", stall.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_ConsumerAttachedButNothingFinishes_Stall()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        detector.Observe("q", 10, 1, finished: 0, At(0));
        var stall = detector.Observe("q", 10, 1, finished: 0, At(61));
        Assert.NotNull(stall);
        Assert.Contains("1 consumer(s) attached and none of its deliveries finishing", stall.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_SlowButFinishing_NeverStalls()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        for (var s = 0; s <= 600; s += 30)
            Assert.Null(detector.Observe("q", ready: 500, consumers: 1, finished: 1, At(s)));
    }

    [Fact]
    public void Observe_EmptyQueue_NeverStalls()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        for (var s = 0; s <= 600; s += 30)
            Assert.Null(detector.Observe("q", ready: 0, consumers: 0, finished: 0, At(s)));
    }

    [Fact]
    public void Observe_ProgressInBetween_StartsTheStallOver()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        detector.Observe("q", 10, 1, 0, At(0));
        detector.Observe("q", 10, 1, 0, At(50));
        Assert.Null(detector.Observe("q", 10, 1, 3, At(55)));
        Assert.Null(detector.Observe("q", 10, 1, 0, At(70)));
        Assert.Null(detector.Observe("q", 10, 1, 0, At(120)));
        Assert.NotNull(detector.Observe("q", 10, 1, 0, At(130)));
    }

    [Fact]
    public void BrokerUnreachable_StartsEveryStallOver()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        detector.Observe("a", 10, 0, 0, At(0));
        detector.Observe("b", 10, 0, 0, At(0));
        detector.BrokerUnreachable();
        Assert.Null(detector.Observe("a", 10, 0, 0, At(61)));
        Assert.Null(detector.Observe("b", 10, 0, 0, At(61)));
        Assert.NotNull(detector.Observe("a", 10, 0, 0, At(121)));
    }

    [Fact]
    public void Observe_QueuesAreJudgedApart()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        detector.Observe("stuck", 10, 0, 0, At(0));
        detector.Observe("busy", 10, 1, 0, At(0));
        Assert.Null(detector.Observe("busy", 10, 1, 2, At(60)));
        Assert.Equal("stuck", Assert.IsType<QueueStall>(detector.Observe("stuck", 10, 0, 0, At(60))).Queue);
    }

    [Fact]
    public void ObserveBus_NotReadyWhileTheBrokerAnswers_StallOnceItLastsStallAfter()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        Assert.Null(detector.ObserveBus(ready: false, "Not ready: not started", At(0)));
        Assert.Null(detector.ObserveBus(false, "Not ready: not started", At(59)));
        var stall = Assert.IsType<BusNotReady>(detector.ObserveBus(false, "Not ready: not started", At(60)));
        Assert.Equal(TimeSpan.FromSeconds(60), stall.For);
        Assert.Contains("bus health: Not ready: not started", stall.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ObserveBus_ReadyOrBrokerUnreachableInBetween_StartsItOver()
    {
        var detector = new ConsumerStallDetector(StallAfter);
        detector.ObserveBus(false, "starting", At(0));
        Assert.Null(detector.ObserveBus(true, "Ready", At(30)));
        detector.ObserveBus(false, "reconnecting", At(40));
        detector.BrokerUnreachable();
        Assert.Null(detector.ObserveBus(false, "reconnecting", At(100)));
        Assert.Null(detector.ObserveBus(false, "reconnecting", At(159)));
        Assert.NotNull(detector.ObserveBus(false, "reconnecting", At(160)));
    }

    [Theory]
    [InlineData("rabbitmq://127.0.0.1:5672/segloop/annotation-ingested", "annotation-ingested")]
    [InlineData("rabbitmq://127.0.0.1:5672/annotation-ingested?bind=true", "annotation-ingested")]
    [InlineData("rabbitmq://broker/a%2Fb/model-promoted-0b77000003a0", "model-promoted-0b77000003a0")]
    public void QueueOf_EndpointAddress_LastPathSegment(string address, string queue) =>
        Assert.Equal(queue, EndpointActivity.QueueOf(new Uri(address)));
}
