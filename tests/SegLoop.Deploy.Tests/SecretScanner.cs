using System.Text.RegularExpressions;

namespace SegLoop.Deploy.Tests;

/// <summary>
/// Finds things in deployment files that look like real secrets: private keys, AWS key ids and
/// secret keys, well-known default credentials, Secret manifests carrying data, and secret-named
/// settings assigned a literal. Placeholders (CHANGE_ME, empty), variable references (${X}, $$X),
/// file paths (the *File settings) and Secret names/keys are not secrets.
/// </summary>
internal static partial class SecretScanner
{
    public static IEnumerable<string> Scan(string fileName, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var where = $"{fileName}:{i + 1}";
            if (PrivateKeyRegex().IsMatch(line))
                yield return $"{where}: private key";
            if (AwsKeyIdRegex().IsMatch(line))
                yield return $"{where}: AWS access key id";
            if (AwsSecretRegex().Match(line) is { Success: true } secret && secret.Value.Any(char.IsDigit)
                && secret.Value.Any(char.IsUpper) && secret.Value.Any(char.IsLower))
                yield return $"{where}: 40-character secret-key-like token";
            if (DefaultCredentialRegex().IsMatch(line))
                yield return $"{where}: well-known default credential";
            if (Assignment(line) is { } assignment && LooksSecret(assignment.Key) && !IsPlaceholder(assignment.Key, assignment.Value))
                yield return $"{where}: '{assignment.Key}' has a literal value";
        }
        if (SecretKindRegex().IsMatch(text) && SecretDataRegex().IsMatch(text))
            yield return $"{fileName}: Secret manifest with data";
    }

    private static (string Key, string Value)? Assignment(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#'))
            return null;
        var m = AssignmentRegex().Match(trimmed);
        return m.Success ? (m.Groups["key"].Value, m.Groups["value"].Value.Trim().Trim('"', '\'')) : null;
    }

    private static bool LooksSecret(string key) => SecretKeyNameRegex().IsMatch(key) && !NotSecretKeyNameRegex().IsMatch(key);

    private static bool IsPlaceholder(string key, string value) =>
        value.Length == 0
        || value == "CHANGE_ME"
        || value.StartsWith("${", StringComparison.Ordinal)
        || value.StartsWith("$$", StringComparison.Ordinal)
        || (key.EndsWith("File", StringComparison.OrdinalIgnoreCase) && value.StartsWith('/'));

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex PrivateKeyRegex();

    [GeneratedRegex(@"\b(AKIA|ASIA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsKeyIdRegex();

    [GeneratedRegex(@"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")]
    private static partial Regex AwsSecretRegex();

    [GeneratedRegex(@"(?i)\bminioadmin\b|guest:guest@|\b(password|pass)\s*[:=]\s*['""]?(guest|admin|password|secret|changeit)['""]?\s*$")]
    private static partial Regex DefaultCredentialRegex();

    // YAML `key: value`, env `KEY=value`, compose `- KEY=value`.
    [GeneratedRegex(@"^(?:-\s*)?(?<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?::\s+|=)(?<value>.*)$")]
    private static partial Regex AssignmentRegex();

    [GeneratedRegex(@"(?i)(password|passwd|secret|token|accesskey|access_key|secretkey|secret_key|apikey|api_key|credential|_pass$)")]
    private static partial Regex SecretKeyNameRegex();

    // Names of Secrets, references to them, and the service-account token switch are not secrets.
    [GeneratedRegex(@"(?i)^(secretName|secretKeyRef|secretTargetRef|secretRef|automountServiceAccountToken)$")]
    private static partial Regex NotSecretKeyNameRegex();

    [GeneratedRegex(@"(?m)^kind:\s*Secret\s*$")]
    private static partial Regex SecretKindRegex();

    [GeneratedRegex(@"(?m)^(data|stringData):")]
    private static partial Regex SecretDataRegex();
}
