using System.Text.Json.Serialization;
using SegLoop.Contracts;
using SegLoop.Inference.Backends;
using SegLoop.Vision;
using SegLoop.Vision.Coco;

namespace SegLoop.Evaluation;

/// <summary>COCO's object size classes by mask area.</summary>
public static class SizeClasses
{
    public const string Small = "small";
    public const string Medium = "medium";
    public const string Large = "large";

    /// <summary>In the order a report lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Small, Medium, Large];

    public static string Of(long area) => area < 32 * 32 ? Small : area < 96 * 96 ? Medium : Large;
}

/// <summary>How one evaluation runs.</summary>
public sealed record EvaluationOptions
{
    public MetricSettings Metrics { get; init; } = MetricSettings.Default;

    /// <summary>Corrective clicks to simulate per instance (0: none); needs a segmenter.</summary>
    public int Clicks { get; init; }

    /// <summary>The probability threshold handed to the segmenter.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Images evaluated at once.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>One instance's metrics before any click (Steps[0]) and after each simulated click (Steps[k]).</summary>
public sealed record InstanceEvaluation
{
    public required long AnnotationId { get; init; }
    public required long ImageId { get; init; }
    public required string FileName { get; init; }
    public required string Domain { get; init; }
    public required string Category { get; init; }

    /// <summary>The ground-truth mask's area in pixels.</summary>
    public long Area { get; init; }

    /// <summary>COCO's size class of <see cref="Area"/>: small (under 32 x 32), medium (under 96 x 96) or large.</summary>
    public string SizeClass => SizeClasses.Of(Area);

    /// <summary>Per step: true when the prediction was empty (no pixel), which scores IoU 0 and is never a success.</summary>
    public IReadOnlyList<bool> Empty { get; init; } = [];

    /// <summary>The baseline every segmenter must beat: the whole prompt box filled, scored like a prediction (null without a box).</summary>
    public InstanceMetrics? FilledBox { get; init; }

    /// <summary>True when no prediction matched this instance (its first step scores an empty mask).</summary>
    public bool Missed { get; init; }

    public required IReadOnlyList<InstanceMetrics> Steps { get; init; }

    /// <summary>The clicks placed, in order; fewer than asked when the prediction became perfect.</summary>
    public IReadOnlyList<Click> Clicks { get; init; } = [];

    /// <summary>The prediction before any click (for the report's overlays; not written to json).</summary>
    [JsonIgnore]
    public RleMask? InitialPrediction { get; init; }

    /// <summary>The prediction after the last click.</summary>
    [JsonIgnore]
    public RleMask? FinalPrediction { get; init; }
}

/// <summary>
/// Scores predictions against ground truth, and with a segmenter simulates corrective clicks: each at the centre of
/// the largest error region (<see cref="ClickSimulator"/>), the segmenter re-run with the box and every click so far.
/// Without predictions the segmenter makes the first mask from the box (the prediction's prompt box, else the tight
/// box of the ground-truth mask).
/// </summary>
public static class Evaluator
{
    public static async Task<IReadOnlyList<InstanceEvaluation>> RunAsync(
        GroundTruthSet truth,
        IReadOnlyList<MatchedInstance>? matches,
        ISegmenter? segmenter,
        EvaluationOptions options,
        IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Clicks);
        if (segmenter is null && (matches is null || options.Clicks > 0))
            throw new EvaluationInputException(matches is null
                ? "nothing to evaluate: give predictions, or a segmenter to make them from ground-truth boxes."
                : "simulating clicks needs a segmenter to re-run.");
        matches ??= truth.Instances.Select(i => new MatchedInstance(i, null)).ToList();
        var results = new InstanceEvaluation[matches.Count];
        var byImage = matches.Select((m, i) => (m, i)).GroupBy(x => x.m.Truth.ImageId).ToList();
        var done = 0;
        await Parallel.ForEachAsync(byImage,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                var image = truth.Images[group.Key];
                using var pixels = segmenter is null ? null : LoadImage(image);
                foreach (var (match, index) in group)
                {
                    results[index] = await EvaluateInstanceAsync(image, match, pixels, segmenter, options, ct).ConfigureAwait(false);
                    progress?.Report(Interlocked.Increment(ref done));
                }
            }).ConfigureAwait(false);
        return results;
    }

    private static async Task<InstanceEvaluation> EvaluateInstanceAsync(
        GroundTruthImage image, MatchedInstance match, Image? pixels, ISegmenter? segmenter, EvaluationOptions options, CancellationToken ct)
    {
        var truthMask = MaskMetrics.ToMask(match.Truth.Mask);
        var tight = match.Truth.Mask.Bbox;
        var box = match.Prediction?.PromptBox
            ?? (tight.Width > 0 && tight.Height > 0 ? new BoundingBox(tight.X, tight.Y, tight.Width, tight.Height) : null);

        async Task<Mask> Segment(IReadOnlyList<Click> clicks)
        {
            if (box is null || segmenter is null)
                return new Mask(image.Width, image.Height); // no box to prompt with (empty ground truth), or a miss scored as is
            var prompt = new Prompt { Box = box, Clicks = clicks, Label = match.Truth.AnnotationId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var output = await segmenter.SegmentAsync(pixels!, [prompt], options.Threshold, ct).ConfigureAwait(false);
            return output[0].Mask;
        }

        var current = match.Prediction is { } p ? MaskMetrics.ToMask(p.Mask) : await Segment([]).ConfigureAwait(false);
        var initial = current;
        var steps = new List<InstanceMetrics> { MaskMetrics.Evaluate(truthMask, current, options.Metrics) };
        var empty = new List<bool> { current.Area == 0 };
        var clicks = new List<Click>();
        for (var k = 1; k <= options.Clicks; k++)
        {
            var click = ClickSimulator.NextClick(truthMask, current);
            if (click is not null)
            {
                clicks.Add(click);
                current = await Segment(clicks.ToList()).ConfigureAwait(false);
                steps.Add(MaskMetrics.Evaluate(truthMask, current, options.Metrics));
                empty.Add(current.Area == 0);
            }
            else
            {
                steps.Add(steps[^1]); // already perfect: an annotator would stop clicking
                empty.Add(empty[^1]);
            }
        }
        return new InstanceEvaluation
        {
            AnnotationId = match.Truth.AnnotationId,
            ImageId = image.Id,
            FileName = image.FileName,
            Domain = image.Domain,
            Category = match.Truth.Category,
            Area = truthMask.Area,
            Empty = empty,
            FilledBox = box is null ? null : MaskMetrics.Evaluate(truthMask, FilledBox(box, image.Width, image.Height), options.Metrics),
            Missed = match.Prediction is null && segmenter is null,
            Steps = steps,
            Clicks = clicks,
            InitialPrediction = RleMask.Encode(initial.Data, initial.Height, initial.Width),
            FinalPrediction = RleMask.Encode(current.Data, current.Height, current.Width),
        };
    }

    /// <summary>The prompt box as a mask (clipped to the image): the floor every segmenter must beat.</summary>
    public static Mask FilledBox(BoundingBox box, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(box);
        var x0 = Math.Clamp((int)Math.Floor(box.X), 0, width);
        var y0 = Math.Clamp((int)Math.Floor(box.Y), 0, height);
        var x1 = Math.Clamp((int)Math.Ceiling(box.X + box.Width), 0, width);
        var y1 = Math.Clamp((int)Math.Ceiling(box.Y + box.Height), 0, height);
        var data = new byte[width * height];
        for (var y = y0; y < y1; y++)
            data.AsSpan((y * width) + x0, x1 - x0).Fill(1);
        return Mask.FromBytes(width, height, data);
    }

    /// <summary>Decodes an image of the ground truth as BGR, or says which file is missing.</summary>
    public static Image LoadImage(GroundTruthImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Path is null)
            throw new EvaluationInputException($"image {image.Id} ({image.FileName}) was not found on disk; pass --images with the folder that holds it.");
        var decoded = ImageCodec.Decode(File.ReadAllBytes(image.Path));
        if (decoded.Width != image.Width || decoded.Height != image.Height)
        {
            decoded.Dispose();
            throw new EvaluationInputException($"image {image.Path} is {decoded.Width} x {decoded.Height} but its ground truth is {image.Width} x {image.Height}.");
        }
        return decoded;
    }
}
