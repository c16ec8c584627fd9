namespace SegLoop.Contracts;

/// <summary>A point in image pixels.</summary>
public sealed record ImagePoint(double X, double Y);
