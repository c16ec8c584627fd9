using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SegLoop.Contracts;
using SegLoop.CropBuilder;
using SegLoop.Importers;
using SegLoop.Ingest;
using SegLoop.Storage;
using SegLoop.Taxonomy;
using SegLoop.Testing;
using SegLoop.Vision.Coco;
using Xunit.Abstractions;

namespace SegLoop.Chaos.Tests;

/// <summary>
/// The whole pipeline under failure. RabbitMQ and the S3 server are the rig's; each service worker is its own
/// process (Ingest, Taxonomy, CropBuilder, Inference). coco-mini is pushed again and again under new task ids (SEGLOOP_CHAOS_TASKS, default 1,000), beside
/// pre-annotation requests for its objects (SEGLOOP_CHAOS_REQUESTS, default 500, answered by Inference with GrabCut), while every
/// worker is SIGKILLed twice at seeded random moments and restarted, RabbitMQ is restarted once
/// (scripts/rig/restart-rabbitmq.sh: the same node, ports and data directory, so quorum queues and their messages
/// survive), and the S3 server is made unavailable for 20 s.
/// <para>
/// The outage is SIGSTOP/SIGCONT of the moto_server process: moto keeps its objects in memory, so killing it would
/// lose the data (an outage that also wipes storage is a different disaster, not what an S3 outage is). A stopped
/// process still has its listening socket, so clients connect and then get no answer: exactly what a hung or
/// partitioned S3 endpoint looks like to them. Their requests wait (or time out and are retried) until SIGCONT.
/// </para>
/// <para>
/// The expected result is not hand-written: the same tasks run once more, in this process, through the same code
/// (StoredTaskReader, IngestProcessor, TaxonomyNormalizer, ImageCropper) against a local folder. The bucket must then
/// hold exactly the same keys with exactly the same bytes (documents, crops, masks and manifests: nothing missing,
/// nothing extra, nothing different), every task's manifest must hold exactly the reference's rows (none missing, none
/// twice), every task must have reached an outcome, and the error queues must hold only the planted bad inputs.
/// </para>
/// </summary>
[Trait("Category", "Chaos")]
[Collection(SharedBrokerCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const string Customer = "chaos";
    private const string Project = "coco";
    private const string Domain = "everyday";
    private const string SourcePrefix = "chaos/src/";

    /// <summary>Planted: the payload key names nothing (BlobNotFoundException, no retry) -> error queue.</summary>
    private const string PlantedMissingPayload = "planted-missing-payload";

    /// <summary>Planted: the payload is not JSON (JsonException, no retry) -> error queue.</summary>
    private const string PlantedNotJson = "planted-not-json";

    /// <summary>Planted: the image does not exist -> AnnotationRejected (image-not-found), not an error.</summary>
    private const string PlantedMissingImage = "planted-missing-image";

    [Fact]
    public async Task Pipeline_WorkerKillsBrokerRestartStorageOutage_NothingLostNothingDuplicated()
    {
        var wall = Stopwatch.StartNew();
        var taskCount = Knob("SEGLOOP_CHAOS_TASKS", 1000);
        var requestCount = Knob("SEGLOOP_CHAOS_REQUESTS", 500);
        var windowSeconds = Knob("SEGLOOP_CHAOS_WINDOW_S", 90);
        var timeout = TimeSpan.FromSeconds(Knob("SEGLOOP_CHAOS_TIMEOUT_S", 900));
        var seed = Knob("SEGLOOP_CHAOS_SEED", RandomNumberGenerator.GetInt32(1, int.MaxValue));
        output.WriteLine($"chaos: seed {seed} (SEGLOOP_CHAOS_SEED={seed} repeats this schedule), {taskCount} tasks, window {windowSeconds} s");
        var random = new Random(seed);

        var dataset = CocoDataset.Parse(await File.ReadAllTextAsync(SharedData.CocoMiniAnnotations));
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        var messages = new List<AnnotationTaskCompleted>();
        var blobs = new List<(string Key, byte[] Bytes)>();
        foreach (var image in dataset.Images)
            blobs.Add((SourcePrefix + image.FileName, await File.ReadAllBytesAsync(Path.Combine(SharedData.CocoMiniImages, image.FileName))));
        for (var n = 0; n < taskCount; n++)
        {
            var image = dataset.Images[n % dataset.Images.Count];
            var taskId = $"t{n:D5}-{Path.GetFileNameWithoutExtension(image.FileName)}";
            var payload = CocoTask.ToRequest(dataset, image, Customer, Project, Domain, null, EntryPoints.Bus, byImage).Payload
                with { TaskId = taskId, Image = SourcePrefix + image.FileName };
            var key = IngestKeys.Incoming(Customer, Project, taskId);
            blobs.Add((key, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payload, PayloadJson.Options)));
            messages.Add(Task(taskId, SourcePrefix + image.FileName, key));
        }
        // The planted bad inputs, spread through the stream.
        var missingImagePayload = new TaskPayload
        {
            TaskId = PlantedMissingImage, Customer = Customer, Project = Project, Domain = Domain, Image = SourcePrefix + "does-not-exist.jpg",
            Instances = [new PayloadInstance { Id = "1", ClassName = "person", Polygons = [[1, 1, 20, 1, 20, 20]] }],
        };
        blobs.Add((IngestKeys.Incoming(Customer, Project, PlantedMissingImage), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(missingImagePayload, PayloadJson.Options)));
        blobs.Add((IngestKeys.Incoming(Customer, Project, PlantedNotJson), "{\"taskId\": \"planted-not-json\", oops"u8.ToArray()));
        var planted = new[]
        {
            Task(PlantedMissingPayload, SourcePrefix + "x.jpg", IngestKeys.Incoming(Customer, Project, PlantedMissingPayload)),
            Task(PlantedNotJson, SourcePrefix + "x.jpg", IngestKeys.Incoming(Customer, Project, PlantedNotJson)),
            Task(PlantedMissingImage, SourcePrefix + "does-not-exist.jpg", IngestKeys.Incoming(Customer, Project, PlantedMissingImage)),
        };
        foreach (var (p, i) in planted.Select((p, i) => (p, i)))
            messages.Insert((i + 1) * messages.Count / (planted.Length + 1), p);

        // Pre-annotation requests (GrabCut, the default model), kept cheap so the full scale fits CI: one box prompt per
        // request, the image's smallest object of at least 16 px a side (the workers run GrabCut with few iterations).
        // What is under test is delivery (one answer per request through kills and restarts), not segmentation quality.
        var requests = new List<PreAnnotationRequested>();
        for (var n = 0; n < requestCount; n++)
        {
            var image = dataset.Images[n % dataset.Images.Count];
            var prompts = byImage[image.Id].Where(a => a.Bbox is { Count: 4 } b && b[2] >= 16 && b[3] >= 16)
                .OrderBy(a => a.Bbox![2] * a.Bbox[3]).ThenBy(a => a.Id).Take(1).Select(a => new Prompt
                {
                    Box = new BoundingBox(a.Bbox![0], a.Bbox[1], a.Bbox[2], a.Bbox[3]),
                    Label = a.Id.ToString(CultureInfo.InvariantCulture),
                }).ToList();
            if (prompts.Count == 0)
                prompts = [new Prompt { Box = new BoundingBox(8, 8, 32, 32) }];
            requests.Add(new PreAnnotationRequested { RequestId = $"r{n:D5}", ImageKey = SourcePrefix + image.FileName, Prompts = prompts });
        }
        var plantedRequests = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [PlantedUnknownModel] = "failed:unknown-model",
            [PlantedMissingRequestImage] = "failed:image-not-found",
        };
        requests.Insert(requests.Count / 3, new PreAnnotationRequested
        {
            RequestId = PlantedUnknownModel, ImageKey = SourcePrefix + dataset.Images[0].FileName, Model = "no-such-model",
            Prompts = [new Prompt { Box = new BoundingBox(1, 1, 10, 10) }],
        });
        requests.Insert(2 * requests.Count / 3, new PreAnnotationRequested
        {
            RequestId = PlantedMissingRequestImage, ImageKey = SourcePrefix + "not-there.jpg", Prompts = [new Prompt { Box = new BoundingBox(1, 1, 10, 10) }],
        });
        var stream = Interleave(messages.Cast<object>().ToList(), requests.Cast<object>().ToList());

        // The expected result: the same messages through the same code in this process, against a local folder. It
        // needs nothing from the rig, so it runs while the workers start and the chaos goes on (one thread: the workers
        // get the rest of the machine).
        var expectedRoot = Path.Combine(Path.GetTempPath(), "segloop-chaos-expected-" + Guid.NewGuid().ToString("N")[..10]);
        var expectedRun = System.Threading.Tasks.Task.Run(() => CleanRunAsync(expectedRoot, blobs, messages));

        await using var rig = await PipelineRig.StartAsync(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Inference__GrabCutIterations"] = "1",
            ["CropBuilder__ConcurrentMessageLimit"] = "4",
        });
        output.WriteLine($"chaos: vhost {rig.VirtualHost}, bucket {rig.Bucket}, logs {rig.LogDirectory}");
        await Parallel.ForEachAsync(blobs, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (b, ct) => await rig.Store.PutBytesAsync(b.Key, b.Bytes, cancellationToken: ct));
        output.WriteLine($"chaos: {blobs.Count} source blobs stored in {wall.Elapsed.TotalSeconds:F0} s");

        // The chaos, on a schedule drawn from the seed, each kind on its own task.
        var window = TimeSpan.FromSeconds(windowSeconds);
        var clock = Stopwatch.StartNew();
        var journal = new List<string>();
        void Note(string line)
        {
            lock (journal)
                journal.Add($"{clock.Elapsed.TotalSeconds,6:F1}s {line}");
        }
        var chaos = new List<Task>();
        var rabbitRestarts = 0;
        foreach (var worker in rig.Workers.Values)
        {
            var times = new[] { Between(random, 0.05, 0.9), Between(random, 0.05, 0.9) }.Order().ToArray();
            var pauses = times.Select(_ => Between(random, 0.2, 3.0)).ToArray();
            chaos.Add(System.Threading.Tasks.Task.Run(async () =>
            {
                for (var k = 0; k < times.Length; k++)
                {
                    await Until(clock, window * times[k]);
                    worker.Kill();
                    Note($"SIGKILL {worker.Name}");
                    await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(pauses[k]));
                    await worker.StartAsync(TimeSpan.FromMinutes(4));
                    Note($"{worker.Name} restarted and ready");
                }
            }));
        }
        var rabbitAt = Between(random, 0.2, 0.7);
        chaos.Add(System.Threading.Tasks.Task.Run(async () =>
        {
            await Until(clock, window * rabbitAt);
            Note("RabbitMQ stopping");
            await RunScriptAsync(RepoPaths.Path("scripts", "rig", "restart-rabbitmq.sh"));
            Interlocked.Increment(ref rabbitRestarts);
            Note("RabbitMQ back");
        }));
        var s3At = Between(random, 0.1, 0.7);
        var s3Outage = TimeSpan.Zero;
        chaos.Add(System.Threading.Tasks.Task.Run(async () =>
        {
            await Until(clock, window * s3At);
            var pid = int.Parse((await File.ReadAllTextAsync(RepoPaths.Path(".rig", "s3.pid"))).Trim(), CultureInfo.InvariantCulture);
            Signal("STOP", pid);
            var stopped = Stopwatch.StartNew();
            Note("S3 server stopped (SIGSTOP)");
            try
            {
                await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(20));
            }
            finally
            {
                Signal("CONT", pid);
                s3Outage = stopped.Elapsed;
                Note("S3 server continued (SIGCONT)");
            }
        }));

        // Publish through the first 60 % of the window, retrying through the broker restart.
        var publishRetries = 0;
        var publisher = System.Threading.Tasks.Task.Run(async () =>
        {
            for (var i = 0; i < stream.Count; i++)
            {
                await Until(clock, window * (0.6 * i / stream.Count));
                while (true)
                {
                    try
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                        await rig.Bus.Publish(stream[i], stream[i].GetType(), cts.Token);
                        break;
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // A publish that failed (or whose confirm was lost) is sent again: at-least-once, as a real client would.
                        Interlocked.Increment(ref publishRetries);
                        await System.Threading.Tasks.Task.Delay(1000);
                    }
                }
            }
            Note($"published {stream.Count} messages");
        });
        try
        {
            await System.Threading.Tasks.Task.WhenAll(chaos.Append(publisher));
        }
        catch
        {
            // A worker that did not come back (or a failed broker restart): the schedule so far says what it coincided with.
            foreach (var line in journal)
                output.WriteLine("chaos: " + line);
            throw;
        }

        // Wait for every outcome and for every service queue to drain.
        var good = messages.Where(m => !m.TaskId.StartsWith("planted-", StringComparison.Ordinal)).Select(m => m.TaskId).ToHashSet(StringComparer.Ordinal);
        // Every 30 s a progress line (outcomes, and each queue that holds messages with its consumers), so that a run
        // that stalls says where.
        var drained = 0;
        var nextProgress = TimeSpan.Zero;
        IReadOnlyList<QueueState> queues = [];
        while (clock.Elapsed < timeout)
        {
            // A worker that ended on its own (its consumer watchdog exits with 75 when an endpoint stalls) is started
            // again, as Kubernetes or compose would; the run reports it.
            foreach (var worker in rig.Workers.Values)
            {
                if (await worker.RestartIfExitedAsync(TimeSpan.FromMinutes(4)) is { } code)
                    Note($"{worker.Name} exited on its own with code {code}; started again, as its supervisor would");
            }
            var outcomes = good.Count(rig.Observed.Cropped.ContainsKey) + (rig.Observed.Rejected.ContainsKey(PlantedMissingImage) ? 1 : 0);
            queues = await rig.Admin.QueueStatesAsync(rig.VirtualHost);
            var busy = queues.Where(q => !q.Name.EndsWith("_error", StringComparison.Ordinal)).Sum(q => q.Ready + q.Unacked);
            var answered = requests.Count(r => rig.Observed.Answers.ContainsKey(r.RequestId));
            drained = outcomes == good.Count + 1 && answered == requests.Count && busy == 0 ? drained + 1 : 0;
            if (drained >= 3)
                break;
            if (clock.Elapsed >= nextProgress)
            {
                Note($"progress: {rig.Observed.Normalized.Count} normalized, {outcomes} outcomes of {good.Count + 1}, {answered}/{requests.Count} answered; "
                    + $"queues: {string.Join("; ", queues.Where(q => q.Ready + q.Unacked > 0).Select(q => q.ToString()).DefaultIfEmpty("all empty"))}");
                nextProgress = clock.Elapsed + TimeSpan.FromSeconds(30);
            }
            await System.Threading.Tasks.Task.Delay(1000);
        }
        var pipelineTime = clock.Elapsed;
        foreach (var line in journal)
            output.WriteLine("chaos: " + line);
        if (drained < 3)
        {
            // Timed out: what each queue holds and how each worker's log ends, so the failure is readable from the CI log.
            output.WriteLine($"chaos: NOT DRAINED after {timeout.TotalSeconds:F0} s; queues: {string.Join("; ", queues)}");
            foreach (var worker in rig.Workers.Values)
            {
                output.WriteLine($"chaos: {worker.Name} /healthz/ready {await worker.GetStatusAsync("healthz/ready")}, incarnation {worker.Starts}");
                // Its last warnings and errors, then its last lines.
                var lines = worker.Tail(int.MaxValue).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                foreach (var line in lines.Where(l => !l.Contains(" info: ", StringComparison.Ordinal)).TakeLast(12).Concat(lines.TakeLast(4)))
                    output.WriteLine($"chaos: {worker.Name} log: {line}");
            }
        }

        // Every worker survived the run and answers.
        foreach (var worker in rig.Workers.Values)
            Assert.Equal(200, await worker.GetStatusAsync("healthz/live"));

        var (expected, expectedManifests) = await expectedRun;
        var actualKeys = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var key in rig.Store.ListAsync(""))
            actualKeys.Add(key);
        actualKeys.Remove("chaos/created.txt");
        // Pre-annotation results: one file per completed request (GrabCut's output is not compared byte for byte).
        foreach (var r in requests.Where(r => !plantedRequests.ContainsKey(r.RequestId)))
            expected["prelabels/" + r.RequestId + ".json"] = [];
        var missing = expected.Keys.Where(k => !actualKeys.Contains(k)).ToList();
        var extra = actualKeys.Where(k => !expected.ContainsKey(k)).ToList();
        var different = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(expected.Keys.Where(k => actualKeys.Contains(k) && expected[k].Length > 0), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) =>
        {
            var bytes = await rig.Store.GetBytesAsync(key, ct);
            if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(expected[key]))
                different.Add(key);
        });
        Directory.Delete(expectedRoot, recursive: true);

        // Crops and manifest rows, task by task: the manifest the workers wrote holds exactly the reference's rows (no row
        // missing, none twice), each row's crop and mask exist, and the task's CropsEmitted named exactly those crops.
        var manifestRowsChecked = 0;
        var cropsChecked = 0;
        var missingRows = 0;
        var duplicatedRows = 0;
        var cropFilesMissing = 0;
        var emittedMismatch = 0;
        var manifestsByTask = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, rows) in expectedManifests)
        {
            var taskId = rows.Count > 0 ? rows[0].TaskId : Path.GetFileNameWithoutExtension(key);
            manifestsByTask[taskId] = key;
            if (!actualKeys.Contains(key))
            {
                missingRows += rows.Count;
                continue;
            }
            var actualRows = ImageCropper.ReadManifest(await rig.Store.GetBytesAsync(key), key);
            manifestRowsChecked += actualRows.Count;
            var counts = actualRows.GroupBy(r => r.CropId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            duplicatedRows += counts.Values.Sum(c => c - 1) + counts.Keys.Count(id => !rows.Any(r => r.CropId == id));
            missingRows += rows.Count(r => !counts.ContainsKey(r.CropId));
            foreach (var row in actualRows)
            {
                cropsChecked++;
                if (!actualKeys.Contains(row.CropKey) || !actualKeys.Contains(row.MaskKey))
                    cropFilesMissing++;
            }
            if (!rig.Observed.CropKeys.TryGetValue(taskId, out var emitted) || !emitted.Order(StringComparer.Ordinal).SequenceEqual(rows.Select(r => r.CropKey).Order(StringComparer.Ordinal)))
                emittedMismatch++;
        }
        var tasksWithoutManifest = good.Count(t => !manifestsByTask.ContainsKey(t));

        // Error queues: exactly the planted bad inputs, each with the exception that put it there.
        var errorTasks = new SortedSet<string>(StringComparer.Ordinal);
        var errorTypes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var errorRetries = new Dictionary<string, string>(StringComparer.Ordinal);
        var errorEntries = 0;
        foreach (var (queue, depth) in await rig.Admin.QueueDepthsAsync(rig.VirtualHost))
        {
            if (!queue.EndsWith("_error", StringComparison.Ordinal) && !queue.EndsWith("_skipped", StringComparison.Ordinal))
                continue;
            foreach (var (envelope, headers) in await rig.Admin.PeekAsync(rig.VirtualHost, queue, (int)Math.Max(depth, 1) + 10))
            {
                errorEntries++;
                var taskId = envelope.GetProperty("message").GetProperty("taskId").GetString()!;
                errorTasks.Add(taskId);
                var exception = headers.ValueKind == System.Text.Json.JsonValueKind.Object && headers.TryGetProperty("MT-Fault-ExceptionType", out var t) ? t.GetString() : "?";
                // MassTransit writes MT-Fault-RetryCount only when the message was retried.
                var retries = headers.ValueKind == System.Text.Json.JsonValueKind.Object && headers.TryGetProperty("MT-Fault-RetryCount", out var r) ? r.ToString() : "0";
                errorTypes[taskId] = exception;
                errorRetries[taskId] = retries;
                output.WriteLine($"chaos: {queue}: {taskId} ({exception}, retries {retries})");
            }
        }

        // Requests: exactly one answer each (a redelivered answer repeats the same outcome; two different ones would be a duplicate).
        var unanswered = requests.Count(r => !rig.Observed.Answers.ContainsKey(r.RequestId));
        var conflicting = rig.Observed.Answers.Count(a => a.Value.Distinct().Count() > 1);
        var wrongAnswer = requests.Count(r => rig.Observed.Answers.TryGetValue(r.RequestId, out var a)
            && a.First() != plantedRequests.GetValueOrDefault(r.RequestId, "completed"));
        var lost = good.Count(t => !rig.Observed.Normalized.ContainsKey(t)) + good.Count(t => !rig.Observed.Cropped.ContainsKey(t))
            + missing.Count + missingRows + cropFilesMissing + unanswered;
        var duplicated = extra.Count + duplicatedRows + conflicting;
        var redelivered = rig.Observed.Normalized.Values.Sum(n => n - 1) + rig.Observed.RejectedCounts.Values.Sum(n => n - 1)
            + rig.Observed.Cropped.Values.Sum(n => n - 1) + rig.Observed.Answers.Values.Sum(a => a.Count - 1);
        output.WriteLine($"chaos: messages published {stream.Count} ({good.Count} tasks + {planted.Length} planted, {requests.Count - plantedRequests.Count} requests + {plantedRequests.Count} planted), publish retries {publishRetries}");
        output.WriteLine($"chaos: requests answered {requests.Count - unanswered}/{requests.Count}: completed {rig.Observed.Answers.Count(a => a.Value.First() == "completed")}, failed {rig.Observed.Answers.Count(a => a.Value.First() != "completed")}; conflicting {conflicting}, unexpected {wrongAnswer}");
        var ownExits = rig.Workers.Values.SelectMany(w => w.OwnExits.Select(code => $"{w.Name} (exit code {code})")).ToList();
        output.WriteLine($"chaos: workers that exited on their own and were started again: {(ownExits.Count == 0 ? "none" : string.Join(", ", ownExits))}");
        output.WriteLine($"chaos: kills {string.Join(", ", rig.Workers.Values.Select(w => $"{w.Name} {w.Kills}"))} (total {rig.Workers.Values.Sum(w => w.Kills)}); worker restarts {rig.Workers.Values.Sum(w => w.Starts - 1)}; RabbitMQ restarts {rabbitRestarts}; S3 outage {s3Outage.TotalSeconds:F1} s");
        output.WriteLine($"chaos: outcomes {rig.Observed.Normalized.Count} normalized, {rig.Observed.Cropped.Count} cropped, {rig.Observed.Rejected.Count} rejected; events delivered more than once (at-least-once, harmless) {redelivered}");
        output.WriteLine($"chaos: crops checked {cropsChecked} (jpg + mask.png each), manifest rows checked {manifestRowsChecked} in {expectedManifests.Count} manifests: rows missing {missingRows}, rows duplicated {duplicatedRows}, crop files missing {cropFilesMissing}, tasks without manifest {tasksWithoutManifest}, CropsEmitted not matching its manifest {emittedMismatch}");
        output.WriteLine($"chaos: stored objects expected {expected.Count}, found {actualKeys.Count}: missing {missing.Count}, extra {extra.Count}, different bytes {different.Count}");
        if (missing.Count > 0)
        {
            // Which stage stopped writing: the missing keys by their first two segments (annotations/ingested, crops/...).
            output.WriteLine("chaos: missing by kind: " + string.Join(", ", missing.GroupBy(k => string.Join('/', k.Split('/').Take(2)), StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")));
        }
        output.WriteLine($"chaos: error-queue entries {errorEntries} for tasks [{string.Join(", ", errorTasks)}]");
        output.WriteLine($"chaos: peak RSS {string.Join(", ", rig.Workers.Values.Select(w => $"{w.Name} {w.SamplePeakRss() / 1024} MiB"))}");
        output.WriteLine($"chaos: lost = {lost}, duplicated = {duplicated}, pipeline {pipelineTime.TotalSeconds:F0} s, wall {wall.Elapsed.TotalSeconds:F0} s, seed {seed}");

        // The issue's schedule: at least 8 worker kills (each of the 4 workers twice), one broker restart, a 20 s S3 outage.
        Assert.True(rig.Workers.Values.All(w => w.Kills >= 2), "every worker is killed at least twice");
        Assert.True(rig.Workers.Values.Sum(w => w.Kills) >= 8, $"{rig.Workers.Values.Sum(w => w.Kills)} worker kills");
        Assert.Equal(1, rabbitRestarts);
        Assert.True(s3Outage >= TimeSpan.FromSeconds(20), $"S3 outage {s3Outage}");
        Assert.Empty(missing.Take(20));
        Assert.Empty(extra.Take(20));
        Assert.Empty(different.Take(20));
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.Equal(0, missingRows);
        Assert.Equal(0, duplicatedRows);
        Assert.Equal(0, tasksWithoutManifest);
        Assert.Equal(0, emittedMismatch);
        Assert.True(cropsChecked > good.Count, $"the reference cut {cropsChecked} crops for {good.Count} tasks: too few to mean anything");
        Assert.Equal(0, wrongAnswer);
        Assert.Equal([PlantedMissingImage], rig.Observed.Rejected.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ImageNotFoundCode, rig.Observed.Rejected[PlantedMissingImage].Reasons.Single().Code);
        Assert.Equal([PlantedMissingPayload, PlantedNotJson], errorTasks);
        // The error queue names the cause an operator can act on (MassTransit reports the base exception).
        Assert.Equal(typeof(BlobNotFoundException).FullName, errorTypes[PlantedMissingPayload]);
        Assert.StartsWith("System.Text.Json.", errorTypes[PlantedNotJson], StringComparison.Ordinal);
        // Input that cannot get better is not retried (neither by the consumer's retry nor by the bus-wide one).
        Assert.All(errorRetries.Values, r => Assert.Equal("0", r));
        Assert.Empty(rig.LogLinesWithSecrets());
        // A worker may end on its own only through its consumer watchdog (exit code 75), never by crashing.
        Assert.All(ownExits, e => Assert.EndsWith("(exit code 75)", e, StringComparison.Ordinal));
    }

    private const string PlantedUnknownModel = "planted-unknown-model";
    private const string PlantedMissingRequestImage = "planted-missing-request-image";

    /// <summary>The two streams merged evenly, so requests and tasks arrive side by side.</summary>
    private static List<object> Interleave(List<object> a, List<object> b)
    {
        var merged = new List<object>(a.Count + b.Count);
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            if (j >= b.Count || (i < a.Count && (double)i / a.Count <= (double)j / b.Count))
                merged.Add(a[i++]);
            else
                merged.Add(b[j++]);
        }
        return merged;
    }

    private const string ImageNotFoundCode = RejectionCodes.ImageNotFound;

    private static AnnotationTaskCompleted Task(string taskId, string imageKey, string annotationKey) => new()
    {
        TaskId = taskId,
        Customer = Customer,
        Project = Project,
        Domain = Domain,
        ImageKey = imageKey,
        AnnotationKey = annotationKey,
        SourceFormat = SourceFormats.Webhook,
    };

    /// <summary>
    /// Runs every message through the services' own code in this process (Ingest, Taxonomy, CropBuilder); returns key ->
    /// SHA-256 of what it stored, and the rows of every crop manifest by key.
    /// </summary>
    private static async Task<(Dictionary<string, byte[]> Hashes, Dictionary<string, IReadOnlyList<CropManifestRow>> Manifests)> CleanRunAsync(string root, IEnumerable<(string Key, byte[] Bytes)> blobs, IEnumerable<AnnotationTaskCompleted> messages)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Kind"] = "Local",
            ["Storage:Local:Root"] = root,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddBlobStore(configuration);
        services.AddIngest(configuration);
        services.AddTaxonomy(configuration);
        services.AddCropBuilder(configuration);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IBlobStore>();
        foreach (var (key, bytes) in blobs)
            await store.PutBytesAsync(key, bytes);
        var reader = provider.GetRequiredService<StoredTaskReader>();
        var processor = provider.GetRequiredService<IngestProcessor>();
        var normalizer = provider.GetRequiredService<TaxonomyNormalizer>();
        var cropper = provider.GetRequiredService<ImageCropper>();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 1 }, async (message, ct) =>
        {
            IngestRequest request;
            try
            {
                request = await reader.ReadAsync(message, ct);
            }
            catch (Exception e) when (e is BlobNotFoundException or System.Text.Json.JsonException)
            {
                return; // the planted inputs that go to the error queue
            }
            var outcome = await processor.ProcessAsync(request, ct);
            if (outcome.Ingested is { } ingested)
                await cropper.CropAsync((await normalizer.NormalizeAsync(ingested, ct)).Normalized, ct);
        });
        var hashes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var manifests = new Dictionary<string, IReadOnlyList<CropManifestRow>>(StringComparer.Ordinal);
        await foreach (var key in store.ListAsync(""))
        {
            var bytes = await store.GetBytesAsync(key);
            hashes[key] = SHA256.HashData(bytes);
            if (key.StartsWith(CropKeys.ManifestsRoot + "/", StringComparison.Ordinal))
                manifests[key] = ImageCropper.ReadManifest(bytes, key);
        }
        return (hashes, manifests);
    }

    private static int Knob(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    private static double Between(Random random, double low, double high) => low + (random.NextDouble() * (high - low));

    private static async Task Until(Stopwatch clock, TimeSpan at)
    {
        var wait = at - clock.Elapsed;
        if (wait > TimeSpan.Zero)
            await System.Threading.Tasks.Task.Delay(wait);
    }

    private static void Signal(string signal, int pid)
    {
        // The S3 server runs in its own session (setsid); signal its whole process group.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, "--", "-" + pid.ToString(CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} -{pid} failed with {kill.ExitCode}");
    }

    private static async Task RunScriptAsync(string script)
    {
        using var process = Process.Start(new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} failed with {process.ExitCode}: {await stdout}{await stderr}");
    }
}
