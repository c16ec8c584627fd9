using System.Text.Json;
using SegLoop.Interop.LabelStudio;

namespace SegLoop.Inference.Annotators;

/// <summary>Label Studio's POST /predict body (label-studio-ml-backend api.py): tasks, label_config, project, params.context.</summary>
public sealed record PredictRequest
{
    public IReadOnlyList<LsTask>? Tasks { get; init; }
    public string? LabelConfig { get; init; }
    public JsonElement? Project { get; init; }
    public PredictParams? Params { get; init; }
}

public sealed record PredictParams
{
    /// <summary>Interactive mode: the annotator's rectangle and keypoints.</summary>
    public PredictContext? Context { get; init; }
}

public sealed record PredictContext
{
    public IReadOnlyList<LsResult>? Result { get; init; }
}

/// <summary>Label Studio's POST /setup body: project and schema (the labeling config).</summary>
public sealed record SetupRequest
{
    public JsonElement? Project { get; init; }
    public string? Schema { get; init; }
}

/// <summary>CVAT's interactor body (lambda manager): the frame as base64, positive and negative points, an optional box.</summary>
public sealed record CvatInteractorRequest
{
    public string? Image { get; init; }
    public IReadOnlyList<double[]>? PosPoints { get; init; }
    public IReadOnlyList<double[]>? NegPoints { get; init; }
    /// <summary>[[x1, y1], [x2, y2]] when the function's spec starts with a box; null otherwise.</summary>
    public IReadOnlyList<double[]>? ObjBbox { get; init; }
    public double? Threshold { get; init; }
}

/// <summary>A request the backend refuses, with the HTTP status and a sentence.</summary>
public sealed class AnnotatorRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
