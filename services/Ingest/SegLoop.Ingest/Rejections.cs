using SegLoop.Contracts;

namespace SegLoop.Ingest;

/// <summary>
/// Builds every <see cref="AnnotationRejected"/> Ingest publishes or answers, bounded in size whatever the input:
/// at most <see cref="MaxReasons"/> reasons and one that counts the rest by code, every text cut to a limit.
/// A rejection of a million-instance task is then a few hundred kilobytes at most, under any broker's message limit.
/// </summary>
public static class Rejections
{
    public const int MaxReasons = 100;
    public const int MaxDetailLength = 1000;
    public const int MaxNameLength = 200;

    public static AnnotationRejected Create(string? taskId, string? customer, string? project, string entryPoint, IReadOnlyList<Rejection> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        return new AnnotationRejected
        {
            TaskId = string.IsNullOrWhiteSpace(taskId) ? "(none)" : Cut(PayloadValidator.Printable(taskId), MaxNameLength),
            Customer = customer is null ? null : Cut(PayloadValidator.Printable(customer), MaxNameLength),
            Project = project is null ? null : Cut(PayloadValidator.Printable(project), MaxNameLength),
            EntryPoint = entryPoint,
            Reasons = Bound(reasons),
        };
    }

    /// <summary>The first <see cref="MaxReasons"/> reasons with their texts cut, and one <see cref="RejectionCodes.MoreReasons"/> that counts the rest by code.</summary>
    public static IReadOnlyList<Rejection> Bound(IReadOnlyList<Rejection> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var kept = reasons.Take(MaxReasons).Select(r => r with
        {
            Detail = Cut(r.Detail, MaxDetailLength),
            Item = r.Item is null ? null : Cut(PayloadValidator.Printable(r.Item), MaxNameLength),
        }).ToList();
        if (reasons.Count > MaxReasons)
        {
            var byCode = reasons.Skip(MaxReasons).GroupBy(r => r.Code).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key}: {g.Count()}");
            kept.Add(RejectionCodes.Of(RejectionCodes.MoreReasons,
                Cut($"{reasons.Count - MaxReasons} more reasons not listed ({string.Join(", ", byCode)}).", MaxDetailLength)));
        }
        return kept;
    }

    internal static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
