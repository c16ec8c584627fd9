using SegLoop.Vision;

namespace SegLoop.Inference.Backends;

/// <summary>
/// The floor every segmenter must beat: the prompt's box, filled (probability 1 inside, 0 outside). No model, no
/// clicks: the pipeline drops them (<see cref="IgnoresClicks"/>), as a negative click inside the box would drop the whole
/// box in postprocessing, and the next positive click bring it back.
/// </summary>
internal sealed class FilledBoxBackend : CropBackend
{
    public const string ModelName = "box";
    private static readonly object Group = "box";

    public override string Model => ModelName;

    public override string Version => GrabCutBackend.BuiltinVersion;

    public override bool UsesClickSeeds => true; // no click reaches it, and none must refine it either

    public override bool IgnoresClicks => true;

    public override CropInput Prepare(Image image, PreparedPrompt prompt) =>
        new() { Prompt = prompt, GroupKey = Group, Crop = image.Crop(new Rect(prompt.Box.X, prompt.Box.Y, 1, 1)) };

    public override IReadOnlyList<CropProbabilities> Run(StagedBatch staged, CancellationToken cancellationToken) =>
        staged.Crops.Select(input =>
        {
            var window = input.Prompt.Window;
            var box = input.Prompt.BoxInCrop;
            var values = new float[window.Width * window.Height];
            for (var y = box.Y; y < box.Bottom; y++)
                values.AsSpan((y * window.Width) + box.X, box.Width).Fill(1);
            return new CropProbabilities(values, window.Width, window.Height);
        }).ToList();
}
