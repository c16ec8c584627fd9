namespace SegLoop.Cli.Errors;

/// <summary>What a replay did.</summary>
/// <param name="ErrorQueue">The error queue read from.</param>
/// <param name="TargetQueue">The queue the messages went back to.</param>
/// <param name="Replayed">Message ids (or "(no id)") moved back, in order; each was confirmed by the broker before its removal from the error queue.</param>
/// <param name="Remaining">Messages that were in the error queue when the replay started and are still there (not selected); newer arrivals are not counted.</param>
public sealed record ReplayResult(string ErrorQueue, string TargetQueue, IReadOnlyList<string> Replayed, long Remaining);
