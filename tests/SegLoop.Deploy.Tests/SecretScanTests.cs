using SegLoop.Testing;

namespace SegLoop.Deploy.Tests;

public sealed class SecretScanTests
{
    [Fact]
    public void DeployFolder_EveryFile_HoldsNoSecret()
    {
        var root = RepoPaths.Path("deploy");
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Append(RepoPaths.Path(".dockerignore"))
            .ToList();
        Assert.NotEmpty(files);

        var findings = files
            .Where(f => Path.GetFileName(f) != ".env") // a local .env (git-ignored) is where secrets belong
            .SelectMany(f => SecretScanner.Scan(Path.GetRelativePath(RepoPaths.Root, f), File.ReadAllText(f)))
            .ToList();

        Assert.True(findings.Count == 0, "Secrets in deploy/:\n  " + string.Join("\n  ", findings));
    }

    [Fact]
    public void DeployFolder_NoEnvFileCommitted()
    {
        Assert.False(File.Exists(RepoPaths.Path("deploy", "compose", ".env")) && IsTracked("deploy/compose/.env"));
        Assert.Contains(".env", File.ReadAllLines(RepoPaths.Path(".gitignore")));
    }

    [Theory]
    [InlineData("Bus__RabbitMq__Password=s3cr3t-value")]
    [InlineData("  RABBITMQ_DEFAULT_PASS: hunter2")]
    [InlineData("Storage__S3__SecretKey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    [InlineData("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----")]
    [InlineData("MINIO_ROOT_USER: minioadmin")]
    [InlineData("Ingest__Webhook__Secret: 9f8e7d6c")]
    [InlineData("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  password: aHVudGVyMg==")]
    public void Scan_PlantedSecret_IsFound(string text)
    {
        Assert.NotEmpty(SecretScanner.Scan("sample", text));
    }

    [Theory]
    [InlineData("Bus__RabbitMq__Password=CHANGE_ME")]
    [InlineData("# Bus__RabbitMq__PasswordFile=")]
    [InlineData("  RABBITMQ_DEFAULT_PASS: ${Bus__RabbitMq__Password:?set it}")]
    [InlineData("  Storage__S3__SecretKeyFile: /var/run/secrets/segloop/s3/secret-key")]
    [InlineData("            secretName: segloop-rabbitmq")]
    [InlineData("                  key: password")]
    [InlineData("        mc alias set segloop http://minio:9000 \"$$S3_ACCESS_KEY\" \"$$S3_SECRET_KEY\"")]
    public void Scan_PlaceholderOrReference_IsNotFound(string text)
    {
        Assert.Empty(SecretScanner.Scan("sample", text));
    }

    private static bool IsTracked(string path)
    {
        using var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["ls-files", "--error-unmatch", path])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        git.WaitForExit();
        return git.ExitCode == 0;
    }
}
