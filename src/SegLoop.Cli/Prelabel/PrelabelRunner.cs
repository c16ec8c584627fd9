using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MassTransit;
using SegLoop.Annotations;
using SegLoop.Contracts;
using SegLoop.Storage;

namespace SegLoop.Cli.Prelabel;

/// <summary>Settings of one prelabel run.</summary>
public sealed record PrelabelSettings
{
    public string? Model { get; init; }
    public double Threshold { get; init; } = 0.5;
    /// <summary>Images (with requests) in flight at once.</summary>
    public int Parallel { get; init; } = 16;
    /// <summary>How long one image may wait for its answer before it counts as failed (and is retried by the next run).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Process at most this many of the images not done yet, then stop (the rest wait for a rerun).</summary>
    public int? MaxImages { get; init; }
}

/// <summary>What a run did: images skipped as done earlier, requests published, answers completed or failed.
/// <see cref="RequestIds"/> holds each input image's request id (by position; null where the file could not be read).</summary>
public sealed record PrelabelSummary(int Images, int Skipped, int Published, int Completed, IReadOnlyList<PrelabelFailure> Failures, int Remaining,
    IReadOnlyList<string?> RequestIds);

/// <summary>
/// Uploads each image to <c>prelabel/images/{sha256 prefix}/{file}</c> (content-addressed, so a rerun rewrites the same
/// object), publishes one <see cref="PreAnnotationRequested"/> per image with all its boxes under a deterministic
/// request id, and collects <see cref="PreAnnotationCompleted"/> / <see cref="PreAnnotationFailed"/> by that id on a
/// temporary receive endpoint subscribed to both events (the same code on the in-memory bus and RabbitMQ). Each
/// completed image is recorded in <see cref="PrelabelState"/> as it arrives.
/// </summary>
public sealed class PrelabelRunner(IBlobStore store, IBus bus, TimeProvider timeProvider)
{
    public const string ImagePrefix = "prelabel/images";

    private readonly ConcurrentDictionary<string, TaskCompletionSource<object>> _pending = new(StringComparer.Ordinal);

    /// <summary>The run salt: request ids change when the source, model or threshold do, and only then.</summary>
    public static string Salt(string source, string? model, double threshold) =>
        Hex($"prelabel\n{source}\n{model ?? "(default)"}\n{threshold.ToString("R", CultureInfo.InvariantCulture)}")[..8];

    /// <summary>Deterministic: the same image bytes, boxes and run salt give the same id, so redelivered answers match.</summary>
    public static string RequestId(string salt, string imageKey, IReadOnlyList<PrelabelPrompt> prompts) =>
        $"prelabel-{salt}-{Hex(imageKey + "\n" + string.Join(";", prompts.Select(p => FormattableString.Invariant($"{p.Box.X},{p.Box.Y},{p.Box.Width},{p.Box.Height},{p.Label}"))))[..24]}";

    public static string ImageKey(byte[] bytes, string fileName) =>
        BlobKey.Combine(ImagePrefix, Convert.ToHexStringLower(SHA256.HashData(bytes))[..16], AnnotationKeys.Segment(Path.GetFileName(fileName)));

    public async Task<PrelabelSummary> RunAsync(IReadOnlyList<PrelabelItem> items, PrelabelSettings settings, string salt, PrelabelState state,
        Action<PrelabelItem, bool> onFinished, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(onFinished);

        var handle = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), KebabCaseEndpointNameFormatter.Instance, endpoint =>
        {
            endpoint.Handler<PreAnnotationCompleted>(context => Answer(context.Message.RequestId, context.Message));
            endpoint.Handler<PreAnnotationFailed>(context => Answer(context.Message.RequestId, context.Message));
        });
        try
        {
            await handle.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var done = state.Done;
            var failures = new ConcurrentBag<PrelabelFailure>();
            int skipped = 0, published = 0, completed = 0, started = 0;
            using var window = new SemaphoreSlim(Math.Max(1, settings.Parallel));
            var running = new List<Task>();
            var requestIds = new string?[items.Count];
            for (var index = 0; index < items.Count; index++)
            {
                var item = items[index];
                cancellationToken.ThrowIfCancellationRequested();
                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(item.FilePath, cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failures.Add(new PrelabelFailure(item.ImageId, item.FileName, "", "image-not-readable", $"{item.FilePath}: {e.Message}"));
                    onFinished(item, false);
                    continue;
                }
                var key = ImageKey(bytes, item.FileName);
                var requestId = RequestId(salt, key, item.Prompts);
                requestIds[index] = requestId;
                if (done.ContainsKey(requestId))
                {
                    skipped++;
                    onFinished(item, true);
                    continue;
                }
                if (settings.MaxImages is { } max && started >= max)
                    continue;
                started++;

                await window.WaitAsync(cancellationToken);
                if (!await store.ExistsAsync(key, cancellationToken))
                    await store.PutBytesAsync(key, bytes, ContentType(item.FileName), cancellationToken);
                var answer = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending[requestId] = answer;
                await bus.Publish(new PreAnnotationRequested
                {
                    RequestId = requestId,
                    ImageKey = key,
                    Model = settings.Model,
                    Threshold = settings.Threshold,
                    Prompts = item.Prompts.Select(p => new Prompt { Box = p.Box, Label = p.Label }).ToList(),
                }, cancellationToken);
                published++;
                running.Add(Collect(item, requestId, answer.Task));
            }
            await Task.WhenAll(running);
            var remaining = items.Count - skipped - started - failures.Count(f => f.RequestId.Length == 0);
            return new PrelabelSummary(items.Count, skipped, published, completed, failures.OrderBy(f => f.ImageId).ToList(), Math.Max(0, remaining), requestIds);

            async Task Collect(PrelabelItem item, string requestId, Task<object> answer)
            {
                try
                {
                    object message;
                    try
                    {
                        message = await answer.WaitAsync(settings.Timeout, timeProvider, cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                        failures.Add(new PrelabelFailure(item.ImageId, item.FileName, requestId, "no-answer",
                            $"no PreAnnotationCompleted/Failed within {settings.Timeout} (are the Inference workers running?); rerun to try again"));
                        onFinished(item, false);
                        return;
                    }
                    switch (message)
                    {
                        case PreAnnotationCompleted c:
                            state.Record(new ProgressEntry(requestId, item.ImageId, item.FileName, c.Model, c.ModelVersion, ToResults(item, c)));
                            Interlocked.Increment(ref completed);
                            onFinished(item, true);
                            break;
                        case PreAnnotationFailed f:
                            failures.Add(new PrelabelFailure(item.ImageId, item.FileName, requestId, f.Code, f.Reason));
                            onFinished(item, false);
                            break;
                    }
                }
                finally
                {
                    _pending.TryRemove(requestId, out _);
                    window.Release();
                }
            }
        }
        finally
        {
            await handle.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Maps masks back to the input: COCO image id, category and annotation id of the prompt each answers.</summary>
    public static IReadOnlyList<PrelabelResult> ToResults(PrelabelItem item, PreAnnotationCompleted completed)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(completed);
        return completed.Masks.OrderBy(m => m.PromptIndex).Select(m =>
        {
            var prompt = item.Prompts[m.PromptIndex];
            return new PrelabelResult(item.ImageId, prompt.CategoryId, new RleJson([m.Rle.Height, m.Rle.Width], m.Rle.Counts), m.Score,
                [m.Box.X, m.Box.Y, m.Box.Width, m.Box.Height], prompt.AnnotationId, item.FileName,
                new PromptJson(prompt.Label, [prompt.Box.X, prompt.Box.Y, prompt.Box.Width, prompt.Box.Height]));
        }).ToList();
    }

    private Task Answer(string requestId, object message)
    {
        // Answers to other runs' requests (or redeliveries of ones already collected) are not ours to keep.
        if (_pending.TryGetValue(requestId, out var answer))
            answer.TrySetResult(message);
        return Task.CompletedTask;
    }

    private static string ContentType(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
