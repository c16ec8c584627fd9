namespace SegLoop.Storage;

/// <summary>
/// The storage failures that describe the input, not the store: a blob that is not there, a key that breaks the key
/// rules. No retry can fix them, so a service whose consumers read blobs registers them as permanent failures with
/// SegLoop.Hosting's <c>services.AddPermanentFailures(StorageFailures.Permanent)</c>, and a message that fails with one
/// goes to its <c>_error</c> queue at once. Storage itself knows nothing of the bus; this list is its one word on it.
/// </summary>
public static class StorageFailures
{
    public static IReadOnlyList<Type> Permanent { get; } = [typeof(BlobNotFoundException), typeof(InvalidBlobKeyException)];
}
