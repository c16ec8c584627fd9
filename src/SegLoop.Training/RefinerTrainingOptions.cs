namespace SegLoop.Training;

/// <summary>How <c>segloop train refiner</c> trains, evaluates and gates one refiner version.</summary>
public sealed record RefinerTrainingOptions
{
    /// <summary>The registry name the refiner is registered and promoted under.</summary>
    public string ModelName { get; init; } = "refiner";

    /// <summary>Where dataset manifests live ({prefix}/{date}/manifest.jsonl); the newest is read unless <see cref="Manifest"/> names one.</summary>
    public string DatasetPrefix { get; init; } = TrainingDataset.DefaultPrefix;

    public string? Manifest { get; init; }

    /// <summary>"auto" (the promoted IS-Net, else GrabCut), "grabcut", or a registry model "name" (its promoted version) or "name@version".</summary>
    public string Base { get; init; } = "auto";

    /// <summary>The base network's input side (IS-Net: 320 costs a tenth of its 1024); null: its registered size.</summary>
    public int? BaseInputSize { get; init; } = 320;

    public int WorkingSize { get; init; } = 192;

    public int GrabCutIterations { get; init; } = 3;

    /// <summary>Seeds pixel sampling, simulated clicks, the subset and LightGBM: one manifest and one seed give one model.</summary>
    public int Seed { get; init; } = 19;

    /// <summary>Pixels sampled over the whole train split (half without clicks, half with 1-3 simulated clicks).</summary>
    public int PixelBudget { get; init; } = 240_000;

    /// <summary>Fraction of the train split's crops used (by a stable hash of the crop id and the seed): 0.1 trains a deliberately weaker refiner.</summary>
    public double TrainFraction { get; init; } = 1.0;

    public int Trees { get; init; } = 300;

    public int Leaves { get; init; } = 63;

    public int MinLeafCount { get; init; } = 40;

    public double LearningRate { get; init; } = 0.08;

    /// <summary>The gate: no domain x class stratum of the test split may lose more than this (IoU, boundary F, Boundary IoU).</summary>
    public double MaxDrop { get; init; } = 0.02;

    /// <summary>Classes with fewer test instances in a domain are judged together, as "(other classes)", so one crop cannot decide.</summary>
    public int GateMinInstances { get; init; } = 8;

    /// <summary>Simulated clicks in the gate's evaluation (0: the box alone).</summary>
    public int GateClicks { get; init; }

    /// <summary>Local folder for the per-crop feature cache (a rerun resumes from it) and the test crops the evaluation decodes.</summary>
    public string WorkDirectory { get; init; } = ".segloop-train";

    /// <summary>Promote and publish when the gate passes; false only registers and reports.</summary>
    public bool Promote { get; init; } = true;
}
