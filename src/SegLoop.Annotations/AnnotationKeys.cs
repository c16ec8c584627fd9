using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SegLoop.Storage;

namespace SegLoop.Annotations;

/// <summary>
/// Deterministic storage keys, so that ingesting or normalizing the same task again rewrites the same objects,
/// and one-to-one with the names they come from, so that two tasks (or two customers) never share a key.
/// </summary>
public static class AnnotationKeys
{
    /// <summary>Longest segment <see cref="Segment"/> returns; longer names are cut and get the hash (file names stop at 255 bytes).</summary>
    public const int MaxSegmentLength = 100;

    /// <summary>Hex digits of the SHA-256 of the name that <see cref="Segment"/> appends when it changed the name (64 bits).</summary>
    public const int HashLength = 16;

    /// <summary>images/{customer}/{project}/{taskId}{extension} (extension with the dot, e.g. ".jpg").</summary>
    public static string Image(string customer, string project, string taskId, string extension) =>
        BlobKey.Combine("images", Segment(customer), Segment(project), Segment(taskId) + extension);

    /// <summary>annotations/ingested/{customer}/{project}/{taskId}.json</summary>
    public static string Ingested(string customer, string project, string taskId) =>
        BlobKey.Combine("annotations", "ingested", Segment(customer), Segment(project), Segment(taskId) + ".json");

    /// <summary>annotations/normalized/{taxonomyVersion}/{customer}/{project}/{taskId}.json</summary>
    public static string Normalized(string taxonomyVersion, string customer, string project, string taskId) =>
        BlobKey.Combine("annotations", "normalized", Segment(taxonomyVersion), Segment(customer), Segment(project), Segment(taskId) + ".json");

    /// <summary>
    /// The customer segment of a key laid out by this class (images/{c}/..., annotations/ingested/{c}/...,
    /// annotations/normalized/{v}/{c}/...), or null for any other key: whose stored data a key names.
    /// </summary>
    public static string? CustomerSegmentOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts switch
        {
            ["images", var customer, _, ..] => customer,
            ["annotations", "ingested", var customer, _, ..] => customer,
            ["annotations", "normalized", _, var customer, _, ..] => customer,
            _ => null,
        };
    }

    /// <summary>
    /// One key segment for a free-form name (customer, project, task id, class), one-to-one with the name once
    /// surrounding whitespace is trimmed. A name of letters, digits, '-', '_' and '.' of at most
    /// <see cref="MaxSegmentLength"/> characters is kept as it is (case included: keys are case-sensitive). Any
    /// other name keeps its safe characters (others become '_', a long one is cut) and gets '-' and the first
    /// <see cref="HashLength"/> hex digits of the SHA-256 of the name, so <c>x_y</c> stays <c>x_y</c> and
    /// <c>x y</c> becomes <c>x_y-1b2c...</c>. A safe name that already ends like such a hash gets one too,
    /// so no kept name equals a hashed one. Throws for names that are empty or only dots.
    /// </summary>
    public static string Segment(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var identity = name.Trim();
        var chars = identity.ToCharArray();
        var replaced = false;
        for (var i = 0; i < chars.Length; i++)
        {
            if (!IsSafe(chars[i]))
            {
                chars[i] = '_';
                replaced = true;
            }
        }
        var segment = new string(chars);
        if (!replaced && segment.Trim('.').Length == 0)
            throw new InvalidBlobKeyException(name, "a name made only of dots cannot be a key segment");
        if (!replaced && segment.Length <= MaxSegmentLength && !EndsLikeHash(segment))
            return segment;
        // UTF-16 code units as they are: lossless for every string, lone surrogates included.
        var hash = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(identity.AsSpan())))[..HashLength];
        var head = segment.Length > MaxSegmentLength - HashLength - 1 ? segment[..(MaxSegmentLength - HashLength - 1)] : segment;
        return head + "-" + hash;
    }

    /// <summary>
    /// One key segment for several names together (a crop id: customer, project, task, instance), one-to-one with the
    /// tuple: their <see cref="Segment"/>s joined by '-' when none holds a '-' (so the parts can be told apart), else
    /// the joined text cut to <see cref="MaxSegmentLength"/> with a hash of the whole tuple. Joining alone made
    /// ("a-b", "c") and ("a", "b-c") one id, across customers.
    /// </summary>
    public static string Compound(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var parts = names.Select(Segment).ToArray();
        var joined = string.Join('-', parts);
        if (!parts.Any(p => p.Contains('-', StringComparison.Ordinal)) && joined.Length <= MaxSegmentLength && !EndsLikeHash(joined))
            return joined;
        // Each name with its length in front: no two tuples give the same text to hash.
        var identity = string.Concat(names.Select(n => n.Trim()).Select(n => $"{n.Length}:{n}"));
        var hash = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(identity.AsSpan())))[..HashLength];
        var head = joined.Length > MaxSegmentLength - HashLength - 1 ? joined[..(MaxSegmentLength - HashLength - 1)] : joined;
        return head + "-" + hash;
    }

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static bool EndsLikeHash(string segment) =>
        segment.Length > HashLength && segment[^(HashLength + 1)] == '-'
        && segment.AsSpan(segment.Length - HashLength).IndexOfAnyExcept("0123456789abcdef") < 0;
}
