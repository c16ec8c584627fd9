using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace SegLoop.ModelRuntime;

/// <summary>A model file to fetch: where from, and the SHA-256 (and size, when known) it must have.</summary>
public sealed record ModelSource(string Name, Uri Url, string Sha256, long? Size = null);

/// <summary>Public models SegLoop knows how to fetch.</summary>
public static class KnownModels
{
    /// <summary>
    /// U2-Net-p (Qin et al. 2020, Apache-2.0), the 320 x 320 salient-object model as rembg publishes it. The
    /// SHA-256 and size are the values several independent projects pin for this exact release asset (rembg itself
    /// pins its MD5, 8e83ca70e441ab06c318d82300c84806); the file was not downloaded here to re-check them.
    /// </summary>
    public static ModelSource U2NetP { get; } = new(
        "u2netp",
        new Uri("https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx"),
        "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        4_574_861);
}

/// <summary>A model could not be fetched, or what was fetched is not the expected file.</summary>
public sealed class ModelDownloadException : Exception
{
    public ModelDownloadException(string message) : base(message)
    {
    }

    public ModelDownloadException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Fetches model files: streams to a temporary file beside the destination while hashing, checks size and SHA-256,
/// then renames into place, so the destination is either absent, the previous file, or the verified new one.
/// </summary>
public sealed class ModelDownloader(HttpClient http, ILogger<ModelDownloader> logger)
{
    /// <summary>Downloads <paramref name="source"/> to <paramref name="destinationPath"/>; a verified file already there is kept.</summary>
    public async Task<string> DownloadAsync(ModelSource source, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var expected = NormalizeSha256(source.Sha256);
        var destination = Path.GetFullPath(destinationPath);
        if (File.Exists(destination) && await Sha256OfFileAsync(destination, cancellationToken).ConfigureAwait(false) == expected)
            return destination;

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var temp = destination + "." + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture) + ".partial";
        Log.Downloading(logger, source.Url, destination);
        try
        {
            long bytes;
            string actual;
            try
            {
                using var response = await http.GetAsync(source.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                    .ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ModelDownloadException(
                        $"Downloading model {source.Name} from {source.Url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
                }
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var bodyDisposal = body.ConfigureAwait(false);
                var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await using var fileDisposal = file.ConfigureAwait(false);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                bytes = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    bytes += read;
                }
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            catch (HttpRequestException ex)
            {
                throw new ModelDownloadException(
                    $"Downloading model {source.Name} from {source.Url} failed: {ex.Message} Check the network, or fetch the " +
                    $"file yourself and place it at {destination}.", ex);
            }
            catch (IOException ex) when (ex is not FileNotFoundException)
            {
                throw new ModelDownloadException($"Downloading model {source.Name} from {source.Url} failed: {ex.Message}", ex);
            }

            if (source.Size is { } size && bytes != size)
            {
                throw new ModelDownloadException(
                    $"Model {source.Name} from {source.Url} is {bytes} bytes, expected {size}: the download is incomplete or not that model.");
            }
            if (actual != expected)
            {
                throw new ModelDownloadException(
                    $"Model {source.Name} from {source.Url} has SHA-256 {actual}, expected {expected}: checksum mismatch, the file was not kept.");
            }

            File.Move(temp, destination, overwrite: true);
            Log.Downloaded(logger, destination, bytes, actual);
            return destination;
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private static string NormalizeSha256(string sha256)
    {
        var value = sha256.Trim().ToLowerInvariant();
        if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"'{sha256}' is not a SHA-256 (64 hex digits).", nameof(sha256));
        return value;
    }

    private static async Task<string> Sha256OfFileAsync(string path, CancellationToken cancellationToken)
    {
        var file = File.OpenRead(path);
        await using var fileDisposal = file.ConfigureAwait(false);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }
}
