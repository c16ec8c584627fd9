using System.ComponentModel.DataAnnotations;

namespace SegLoop.Ingest;

/// <summary>Settings under <c>Ingest</c>.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Ingest:MaxImagePixels: width x height above which an image is refused before decoding (decompression bombs).</summary>
    [Range(1, 1_000_000_000)]
    public long MaxImagePixels { get; set; } = 100_000_000;

    /// <summary>Ingest:MaxImageBytes: largest encoded image read from storage or a URL.</summary>
    [Range(1, int.MaxValue)]
    public int MaxImageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Ingest:MaxMaskBytes: largest mask PNG (an instance's maskKey) read from storage; larger ones are refused unread.</summary>
    [Range(1, int.MaxValue)]
    public int MaxMaskBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Ingest:MaxDecodedPixelsPerTask: the most pixels one task may decode, its image and each distinct mask (maskKey)
    /// together, counted from their headers before any is decoded; over it the task is refused (decoded-pixels-over-budget).
    /// 400 million: a 100-megapixel image and three masks, or a 12-megapixel one and 32.
    /// </summary>
    [Range(1, 1_000_000_000_000)]
    public long MaxDecodedPixelsPerTask { get; set; } = 400_000_000;

    /// <summary>Ingest:OutOfBoundsMargin: polygon vertices may lie this fraction of the width/height outside the image (they are clipped); further is refused.</summary>
    [Range(0.0, 10.0)]
    public double OutOfBoundsMargin { get; set; } = 0.1;

    /// <summary>Ingest:AllowImageUrls: fetch http(s) image URLs. Off by default: tasks then name storage keys.</summary>
    public bool AllowImageUrls { get; set; }

    /// <summary>Ingest:ImageUrlTimeout: time limit of one image download.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ImageUrlTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Ingest:MaxInstances: most instances one task may hold.</summary>
    [Range(1, 1_000_000)]
    public int MaxInstances { get; set; } = 10_000;

    public WebhookOptions Webhook { get; set; } = new();
}

/// <summary>Settings under <c>Ingest:Webhook</c>.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    /// <summary>The shared secret callers send in <c>X-SegLoop-Secret</c>.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the secret (a mounted secret); surrounding whitespace is ignored.</summary>
    public string? SecretFile { get; set; }

    /// <summary>Ingest:Webhook:MaxBodyBytes: larger bodies are answered 413.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    public const int MinSecretLength = 16;

    /// <summary>The configured secret (the file's content wins), or null when none is set.</summary>
    public string? ResolveSecret() =>
        !string.IsNullOrWhiteSpace(SecretFile) ? File.ReadAllText(SecretFile).Trim()
        : string.IsNullOrEmpty(Secret) ? null : Secret;

    /// <summary>
    /// The secret, or false with the problem when the secret file cannot be read now or holds no usable secret (it is
    /// read on every request, so a rotated file takes effect at once; a deleted one must not fail as an exception).
    /// </summary>
    public bool TryResolveSecret(out string? secret, out string problem)
    {
        problem = "";
        try
        {
            secret = ResolveSecret();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            secret = null;
            problem = $"the webhook secret file '{SecretFile}' cannot be read: {e.Message}";
            return false;
        }
        if (!string.IsNullOrWhiteSpace(SecretFile) && (secret is null || secret.Length < MinSecretLength))
        {
            problem = $"the webhook secret file '{SecretFile}' holds {(string.IsNullOrEmpty(secret) ? "no secret" : "a secret shorter than " + MinSecretLength + " characters")}";
            secret = null;
            return false;
        }
        return true;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Secret) && !string.IsNullOrEmpty(SecretFile))
            yield return new ValidationResult("set Secret or SecretFile, not both.", [nameof(Secret)]);
        if (!string.IsNullOrEmpty(SecretFile) && !File.Exists(SecretFile))
            yield return new ValidationResult($"the secret file '{SecretFile}' does not exist.", [nameof(SecretFile)]);
        if (!string.IsNullOrEmpty(Secret) && Secret.Length < MinSecretLength)
            yield return new ValidationResult($"the secret must be at least {MinSecretLength} characters.", [nameof(Secret)]);
    }
}
