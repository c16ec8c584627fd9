using SegLoop.Testing;
using YamlDotNet.RepresentationModel;

namespace SegLoop.Deploy.Tests;

/// <summary>Every kustomization under deploy/k8s renders with the real kubectl, and what it renders holds.</summary>
public sealed class KustomizeTests
{
    public static TheoryData<string> Kustomizations()
    {
        var data = new TheoryData<string> { "base" };
        foreach (var dir in Directory.GetDirectories(RepoPaths.Path("deploy", "k8s", "overlays")).Order(StringComparer.Ordinal))
            data.Add("overlays/" + System.IO.Path.GetFileName(dir));
        return data;
    }

    public static TheoryData<string> Overlays()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepoPaths.Path("deploy", "k8s", "overlays")).Order(StringComparer.Ordinal))
            data.Add("overlays/" + System.IO.Path.GetFileName(dir));
        return data;
    }

    internal static IReadOnlyList<YamlMappingNode> Render(string kustomization)
    {
        var dir = RepoPaths.Path(["deploy", "k8s", .. kustomization.Split('/')]);
        var (exit, stdout, stderr) = Kubectl.Kustomize(dir);
        Assert.True(exit == 0, $"kubectl kustomize {kustomization} failed ({exit}):\n{stderr}");
        return Yaml.LoadAll(stdout);
    }

    [Fact]
    public void Overlays_DevAndProd_Exist()
    {
        Assert.Equal(["overlays/dev", "overlays/prod"], Enumerable.Select<object[], string>(Overlays(), row => (string)row[0]));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Kustomize_Renders_WorkersScaledProtectedAndScheduled(string kustomization)
    {
        var documents = Render(kustomization);

        var kinds = documents.GroupBy(d => d.Kind()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, kinds.GetValueOrDefault("Deployment"));
        Assert.Equal(4, kinds.GetValueOrDefault("PodDisruptionBudget"));
        Assert.Equal(4, kinds.GetValueOrDefault("ScaledObject"));
        Assert.Equal(1, kinds.GetValueOrDefault("TriggerAuthentication"));
        Assert.Equal(1, kinds.GetValueOrDefault("CronJob"));
        Assert.Equal(1, kinds.GetValueOrDefault("Ingress"));
        // segloop-ingest (the webhook) and segloop-inference (Label Studio ML backend, CVAT interactor).
        Assert.Equal(2, kinds.GetValueOrDefault("Service"));
        Assert.Equal(1, kinds.GetValueOrDefault("ConfigMap"));
        Assert.False(kinds.ContainsKey("Secret"), "no Secret manifest may be rendered: secrets are referenced, never committed");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Deployments_EveryWorker_ProbesHealthRunsNonRootHasResources(string kustomization)
    {
        foreach (var deployment in Render(kustomization).Where(d => d.Kind() == "Deployment"))
        {
            var pod = deployment.Path("spec", "template", "spec");
            Assert.Equal("true", pod.Path("securityContext", "runAsNonRoot").Scalar());
            Assert.NotEqual("0", pod.Path("securityContext", "runAsUser").Scalar());
            var container = Assert.Single(pod.Path("containers").Items());
            Assert.Equal("/healthz/live", container.Path("livenessProbe", "httpGet", "path").Scalar());
            Assert.Equal("/healthz/ready", container.Path("readinessProbe", "httpGet", "path").Scalar());
            Assert.NotNull(container.Path("resources", "requests", "memory").Scalar());
            Assert.NotNull(container.Path("resources", "limits", "memory").Scalar());
            Assert.Equal("false", container.Path("securityContext", "allowPrivilegeEscalation").Scalar());

            var name = deployment.Name();
            var scaled = Render(kustomization).Single(d => d.Kind() == "ScaledObject" && d.Name() == name);
            Assert.Equal(name, scaled.Path("spec", "scaleTargetRef", "name").Scalar());
            var trigger = Assert.Single(scaled.Path("spec", "triggers").Items());
            Assert.Equal("rabbitmq", trigger.Path("type").Scalar());
            Assert.Equal("QueueLength", trigger.Path("metadata", "mode").Scalar());
            Assert.Equal("segloop-rabbitmq", trigger.Path("authenticationRef", "name").Scalar());
        }
    }

    [Fact]
    public void Kustomize_Prod_InferenceOnGpuNodesWithGpuImage()
    {
        var inference = Render("overlays/prod").Single(d => d.Kind() == "Deployment" && d.Name() == "segloop-inference");

        var pod = inference.Path("spec", "template", "spec");
        var container = Assert.Single(pod.Path("containers").Items());
        Assert.Equal("1", container.Path("resources", "limits", "nvidia.com/gpu").Scalar());
        Assert.Contains("inference-gpu", container.Path("image").Scalar(), StringComparison.Ordinal);
        Assert.NotEmpty(pod.Path("nodeSelector").Keys());
        Assert.Contains(pod.Path("tolerations").Items(), t => t.Path("key").Scalar() == "nvidia.com/gpu");
    }

    [Fact]
    public void Kustomize_Dev_InferenceStaysOnCpu()
    {
        var inference = Render("overlays/dev").Single(d => d.Kind() == "Deployment" && d.Name() == "segloop-inference");

        var container = Assert.Single(inference.Path("spec", "template", "spec", "containers").Items());
        Assert.Null(container.Path("resources", "limits", "nvidia.com/gpu"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void CronJob_DatasetBuildThenTrainRefiner_RunsNightlyWithCli(string kustomization)
    {
        var cron = Render(kustomization).Single(d => d.Kind() == "CronJob");

        Assert.Matches(@"^\d+ \d+ \* \* \*$", cron.Path("spec", "schedule").Scalar() ?? string.Empty);
        Assert.Equal("Forbid", cron.Path("spec", "concurrencyPolicy").Scalar());
        var container = Assert.Single(cron.Path("spec", "jobTemplate", "spec", "template", "spec", "containers").Items());
        Assert.Contains("segloop/cli", container.Path("image").Scalar(), StringComparison.Ordinal);
        var args = string.Join(' ', container.Path("args").Items().Select(a => a.Scalar()));
        Assert.Contains("segloop dataset build --date", args, StringComparison.Ordinal);
        // The same job trains, gates and promotes the refiner on the dataset it just built.
        Assert.Matches(@"segloop dataset build .*&&.*segloop train refiner", args);
    }
}
