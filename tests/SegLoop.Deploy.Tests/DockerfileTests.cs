using System.Text.RegularExpressions;
using SegLoop.Testing;

namespace SegLoop.Deploy.Tests;

/// <summary>No Docker engine here: the Dockerfiles are read and held to their essentials.</summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Services = ["Ingest", "Taxonomy", "CropBuilder", "Inference", "Inference.gpu"];

    public static TheoryData<string> Dockerfiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepoPaths.Path("deploy", "docker"), "*.Dockerfile").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    /// <summary>Instructions with line continuations joined and comments dropped.</summary>
    internal static IReadOnlyList<(string Instruction, string Arguments)> Parse(string text)
    {
        var joined = ContinuationRegex().Replace(text, " ");
        return joined.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l =>
            {
                var space = l.IndexOf(' ', StringComparison.Ordinal);
                return space < 0 ? (l.ToUpperInvariant(), string.Empty) : (l[..space].ToUpperInvariant(), l[(space + 1)..].Trim());
            })
            .ToList();
    }

    [Fact]
    public void Dockerfiles_EveryServiceAndCli_Exist()
    {
        foreach (var name in Services.Append("Cli"))
            Assert.True(File.Exists(RepoPaths.Path("deploy", "docker", name + ".Dockerfile")), name + ".Dockerfile is missing");
        Assert.True(File.Exists(RepoPaths.Path(".dockerignore")));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_Essentials_MultiStageNonRootFinalStage(string name)
    {
        var instructions = Parse(File.ReadAllText(RepoPaths.Path("deploy", "docker", name)));

        var froms = instructions.Where(i => i.Instruction == "FROM").ToList();
        Assert.True(froms.Count >= 2, $"{name}: not multi-stage");
        Assert.Contains(froms.SkipLast(1), f => f.Arguments.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 ", StringComparison.Ordinal));
        var lastFrom = instructions.ToList().FindLastIndex(i => i.Instruction == "FROM");
        var finalStage = instructions.Skip(lastFrom).ToList();
        Assert.Contains(finalStage, i => i.Instruction == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
        var user = finalStage.LastOrDefault(i => i.Instruction == "USER").Arguments;
        Assert.True(user is "app" or "1654", $"{name}: final stage must run as the non-root app user (uid 1654), not '{user}'");
        Assert.Single(finalStage, i => i.Instruction == "HEALTHCHECK");
        Assert.DoesNotContain(finalStage, i => i.Instruction == "RUN" && i.Arguments.Contains("-dev ", StringComparison.Ordinal));
        Assert.DoesNotContain(instructions, i => i.Instruction is "ENV" or "ARG" && SecretAssignmentRegex().IsMatch(i.Arguments));
    }

    [Theory]
    [MemberData(nameof(ServiceDockerfiles))]
    public void Dockerfile_Service_ExposesWebPortAndProbesReadiness(string name)
    {
        var instructions = Parse(File.ReadAllText(RepoPaths.Path("deploy", "docker", name)));

        Assert.Contains(instructions, i => i.Instruction == "EXPOSE" && i.Arguments == "8080");
        var healthcheck = instructions.Single(i => i.Instruction == "HEALTHCHECK").Arguments;
        Assert.Contains("/healthz/ready", healthcheck, StringComparison.Ordinal);
        Assert.Contains(instructions, i => i.Instruction == "ENTRYPOINT" && i.Arguments.Contains(".Worker.dll", StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_InferenceGpu_UsesCudaBaseAndOnnxRuntimeGpuPackage()
    {
        var text = File.ReadAllText(RepoPaths.Path("deploy", "docker", "Inference.gpu.Dockerfile"));

        // Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32.0's CUDA provider links CUDA 13 (libcudart.so.13, libcublas.so.13).
        Assert.Matches(@"FROM nvidia/cuda:13\.[0-9.]+-cudnn-runtime-ubuntu24\.04", text);
        Assert.Contains("libonnxruntime_providers_cuda.so | grep 'not found'", text, StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeFlavour=Gpu", text, StringComparison.Ordinal);
        Assert.Contains("ModelRuntime__ExecutionProvider=Cuda", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cli.Dockerfile")]
    [InlineData("CropBuilder.Dockerfile")]
    [InlineData("Ingest.Dockerfile")]
    [InlineData("Inference.Dockerfile")]
    [InlineData("Inference.gpu.Dockerfile")]
    public void Dockerfile_ImageWithVision_InstallsGtkForOpenCvSharpAndNoDistroOpenCv(string name)
    {
        var instructions = Parse(File.ReadAllText(RepoPaths.Path("deploy", "docker", name)));

        // OpenCV arrives with the build (OpenCvSharp's runtime package); its native library links GTK 3.
        var finalStage = instructions.Skip(instructions.ToList().FindLastIndex(i => i.Instruction == "FROM")).ToList();
        Assert.Contains(finalStage, i => i.Instruction == "RUN" && i.Arguments.Contains("libgtk-3-0t64", StringComparison.Ordinal));
        Assert.DoesNotContain(instructions, i => i.Arguments.Contains("libopencv", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Inference.Dockerfile")]
    [InlineData("Inference.gpu.Dockerfile")]
    public void Dockerfile_Inference_FetchesNothingOutsideThePackageRegistries(string name)
    {
        var instructions = Parse(File.ReadAllText(RepoPaths.Path("deploy", "docker", name)));

        foreach (var run in instructions.Where(i => i.Instruction == "RUN"))
        {
            Assert.DoesNotContain("curl", run.Arguments, StringComparison.Ordinal);
            Assert.DoesNotContain("wget", run.Arguments, StringComparison.Ordinal);
            Assert.DoesNotContain("npm", run.Arguments, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_ContinuationsAndComments_JoinedAndDropped()
    {
        var parsed = Parse("# c\nFROM a AS b\nRUN x \\\n && y\nUSER app\n");

        Assert.Equal([("FROM", "a AS b"), ("RUN", "x   && y"), ("USER", "app")], parsed);
    }

    public static TheoryData<string> ServiceDockerfiles()
    {
        var data = new TheoryData<string>();
        foreach (var name in Services)
            data.Add(name + ".Dockerfile");
        return data;
    }

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex ContinuationRegex();

    [GeneratedRegex(@"(?i)(password|secret|accesskey|secretkey|token)\w*\s*=\s*[^\s$]")]
    private static partial Regex SecretAssignmentRegex();
}
