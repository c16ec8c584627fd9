using Microsoft.ML;
using Microsoft.ML.Data;

namespace SegLoop.Inference.Backends.Refiner;

/// <summary>One training or scoring row of the refiner: a pixel's features and (for training) whether it is object.</summary>
public sealed class RefinerRow
{
    [VectorType(RefinerFeatures.Count)]
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }
}

/// <summary>
/// The refiner's trained LightGBM classifier, loaded from ML.NET's zip: foreground probability per pixel. Scoring
/// only reads the model, so one instance serves concurrent batches.
/// </summary>
internal sealed class PixelClassifier
{
    private readonly MLContext _context = new(seed: 0);
    private readonly ITransformer _model;

    private PixelClassifier(ITransformer model) => _model = model;

    /// <summary>Loads an ML.NET zip whose input is <see cref="RefinerRow.Features"/> and whose output has a Probability column.</summary>
    public static PixelClassifier Load(byte[] zip, string name)
    {
        ITransformer model;
        DataViewSchema input;
        var context = new MLContext(seed: 0);
        try
        {
            using var stream = new MemoryStream(zip, writable: false);
            model = context.Model.Load(stream, out input);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or InvalidDataException or ArgumentException)
        {
            throw new Models.ModelRegistryException($"model {name}: the refiner's file is not an ML.NET model zip: {e.Message}");
        }
        var features = input.GetColumnOrNull(nameof(RefinerRow.Features));
        if (features is not { Type: VectorDataViewType { Size: RefinerFeatures.Count } })
            throw new Models.ModelRegistryException(
                $"model {name}: the classifier expects {features?.Type.ToString() ?? "no Features column"}, not {RefinerFeatures.Count} refiner features.");
        return new PixelClassifier(model);
    }

    /// <summary>Foreground probability of each of the frame's pixels.</summary>
    public float[] Predict(float[] features, int pixels)
    {
        var rows = new RefinerRow[pixels];
        for (var p = 0; p < pixels; p++)
            rows[p] = new RefinerRow { Features = features.AsSpan(p * RefinerFeatures.Count, RefinerFeatures.Count).ToArray() };
        var scored = _model.Transform(_context.Data.LoadFromEnumerable(rows));
        var result = new float[pixels];
        var i = 0;
        foreach (var probability in scored.GetColumn<float>("Probability"))
            result[i++] = probability;
        if (i != pixels)
            throw new InvalidOperationException($"the refiner scored {i} of {pixels} pixels");
        return result;
    }
}
