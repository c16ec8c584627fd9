namespace SegLoop.Importers;

/// <summary>Whose data a bulk import is: every task of the import gets these.</summary>
public sealed record ImportTarget(string Customer, string Project, string Domain);
