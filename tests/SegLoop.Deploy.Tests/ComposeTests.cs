using SegLoop.Testing;
using YamlDotNet.RepresentationModel;

namespace SegLoop.Deploy.Tests;

public sealed class ComposeTests
{
    private static readonly string[] Workers = ["ingest", "taxonomy", "cropbuilder", "inference", "inference-gpu"];

    private static YamlMappingNode Services() =>
        (YamlMappingNode)Yaml.LoadFile(RepoPaths.Path("deploy", "compose", "docker-compose.yml")).Get("services")!;

    [Fact]
    public void Compose_Services_AreBrokerStorageInitAndFourWorkers()
    {
        Assert.Equal(
            ["cropbuilder", "inference", "inference-gpu", "ingest", "minio", "minio-init", "rabbitmq", "taxonomy"],
            Services().Keys().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Compose_Workers_HaveHealthCheckRestartPolicyAndEnvFile()
    {
        var services = Services();
        foreach (var worker in Workers)
        {
            var service = (YamlMappingNode)services.Get(worker)!;
            Assert.Contains("/healthz/ready", string.Join(' ', service.Path("healthcheck", "test").Items().Select(i => i.Scalar())), StringComparison.Ordinal);
            Assert.Equal("unless-stopped", service.Get("restart").Scalar());
            Assert.Equal(".env", service.Get("env_file").Scalar());
            Assert.Equal("service_healthy", service.Path("depends_on", "rabbitmq", "condition").Scalar());
            Assert.Equal("service_completed_successfully", service.Path("depends_on", "minio-init", "condition").Scalar());
        }
    }

    [Fact]
    public void Compose_Infrastructure_ManagementUiAndBucketInit()
    {
        var services = Services();
        Assert.Equal("rabbitmq:3.13-management", services.Path("rabbitmq", "image").Scalar());
        Assert.Contains(services.Path("rabbitmq", "ports").Items(), p => p.Scalar()!.EndsWith(":15672", StringComparison.Ordinal));
        Assert.StartsWith("minio/mc", services.Path("minio-init", "image").Scalar(), StringComparison.Ordinal);
        Assert.Contains("mc mb", string.Join(' ', services.Path("minio-init", "command").Items().Select(i => i.Scalar())), StringComparison.Ordinal);
        Assert.Equal("service_healthy", services.Path("minio-init", "depends_on", "minio", "condition").Scalar());
    }

    [Fact]
    public void Compose_Ingest_PublishesWebhookPort()
    {
        Assert.Contains(Services().Path("ingest", "ports").Items(), p => p.Scalar()!.EndsWith(":8080", StringComparison.Ordinal));
    }

    [Fact]
    public void Compose_InferenceGpu_InGpuProfileReservingAGpu()
    {
        var gpu = Services().Get("inference-gpu");

        Assert.Equal(["gpu"], gpu.Path("profiles").Items().Select(i => i.Scalar()));
        var device = Assert.Single(gpu.Path("deploy", "resources", "reservations", "devices").Items());
        Assert.Equal("nvidia", device.Path("driver").Scalar());
        Assert.Contains(device.Path("capabilities").Items(), c => c.Scalar() == "gpu");
        Assert.Null(Services().Path("inference", "profiles"));
    }
}
