namespace SegLoop.Contracts;

/// <summary>A corrective click: positive inside the object, negative outside it.</summary>
public sealed record Click(double X, double Y, bool Positive);
