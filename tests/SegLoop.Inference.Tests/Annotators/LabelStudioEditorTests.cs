using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SegLoop.Inference.Annotators;
using SegLoop.Storage;
using SegLoop.Storage.Local;
using SegLoop.Testing.Browser;

namespace SegLoop.Inference.Tests.Annotators;

/// <summary>
/// What the ML backend answers, loaded into Label Studio's own editor (LSF, the npm package
/// <c>@heartexlabs/label-studio</c> that scripts/setup.d/70-label-studio-frontend.sh pins and unpacks into .tools/) in
/// Debian's Chromium: the predictions come from a real <c>POST /predict</c> (GrabCut, the backend's default, over
/// coco-mini's person and dog boxes of 000000000790.jpg) and what is counted is the editor's own store
/// (<c>window.Htx</c>: LSF's AppStore; <c>annotationStore.predictions[0].regions</c>), after the image loaded.
/// Without the package or chromium the test fails and says how to get them.
/// </summary>
public sealed class LabelStudioEditorTests : IAsyncLifetime
{
    /// <summary>The version scripts/setup.d/70-label-studio-frontend.sh installs.</summary>
    private const string EditorVersion = "1.4.0";
    private const string ImageName = "000000000790.jpg";
    private const string ImageKey = "images/acme/street/" + ImageName;
    private const string User = "label-studio";
    private const string Password = "correct horse battery staple";

    private const string Config = """
        <View>
          <Image name="image" value="$image"/>
          <BrushLabels name="tag" toName="image"><Label value="person" background="#e6194b"/><Label value="dog" background="#3cb44b"/></BrushLabels>
          <PolygonLabels name="poly" toName="image"><Label value="person"/><Label value="dog"/></PolygonLabels>
          <RectangleLabels name="box" toName="image"><Label value="person"/><Label value="dog"/></RectangleLabels>
        </View>
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "segloop-lsf-" + Guid.NewGuid().ToString("N")[..8]);
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    private static string EditorFolder => RepoPaths.Path(".tools", "label-studio-frontend", EditorVersion);

    private static string EditorScript => Path.Combine(EditorFolder, "build", "static", "js", "main.js");

    private static string EditorStyle => Path.Combine(EditorFolder, "build", "static", "css", "main.css");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Annotators:BasicAuthUser"] = User,
            ["Annotators:BasicAuthPassword"] = Password,
        });
        builder.Services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(Path.Combine(_root, "store")));
        builder.Services.AddInference(builder.Configuration);
        builder.Services.AddAnnotators(builder.Configuration);
        _app = builder.Build();
        _app.MapAnnotators();
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.CocoMiniImages, ImageName));
        await _app.Services.GetRequiredService<IBlobStore>().PutBytesAsync(ImageKey, bytes, "image/jpeg");
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Predict_CocoMiniBoxes_EditorShowsEveryPredictedRegionBrushPainted()
    {
        RequireEditorAndBrowser();
        var prediction = await PredictAsync();
        var results = prediction["result"]!.AsArray();
        var brushes = results.Count(r => (string?)r!["type"] == "brushlabels");
        var polygons = results.Count(r => (string?)r!["type"] == "polygonlabels");
        Assert.True(brushes >= 3 && polygons >= 3, $"the backend answered {brushes} brush and {polygons} polygon regions for 5 boxes: {Shorten(prediction)}");

        await using var chromium = await Chromium.LaunchAsync();
        var editor = await OpenEditorAsync(chromium, prediction, "label-studio-editor.png");

        // Every result is one region in the editor (brush and polygon results carry no shared id, so none merge).
        Assert.Equal(results.Count, editor.GetProperty("regions").GetInt32());
        Assert.Equal(brushes, editor.GetProperty("brushes").GetInt32());
        Assert.Equal(polygons, editor.GetProperty("polygons").GetInt32());
        // Each region carries its label (the from_name resolved to a control of the config), and LSF decoded each brush
        // RLE and painted it on the brush's own canvas.
        Assert.All(editor.GetProperty("labels").EnumerateArray(), label => Assert.Contains(label.GetString(), new[] { "person", "dog" }));
        Assert.All(editor.GetProperty("brushDetails").EnumerateArray(), brush =>
            Assert.True(brush.GetProperty("rle").GetInt32() > 0 && brush.GetProperty("painted").GetInt32() > 100, $"a brush region without painted pixels: {brush}"));
    }

    /// <summary>
    /// The checks above can fail: LSF still makes a region of a result whose from_name is no control of the config (and
    /// paints its brush grey), but without a label: the labels the first test asserts are what a wrong from_name loses.
    /// </summary>
    [Fact]
    public async Task Predict_ResultsUnderUnknownControlName_EditorRegionsUnlabelled()
    {
        RequireEditorAndBrowser();
        var prediction = await PredictAsync();
        foreach (var result in prediction["result"]!.AsArray())
            result!["from_name"] = "not-in-config";

        await using var chromium = await Chromium.LaunchAsync();
        var editor = await OpenEditorAsync(chromium, prediction, "label-studio-editor-unknown-control.png");

        Assert.Equal(prediction["result"]!.AsArray().Count, editor.GetProperty("regions").GetInt32());
        Assert.All(editor.GetProperty("labels").EnumerateArray(), label => Assert.Equal(JsonValueKind.Null, label.ValueKind));
    }

    private static void RequireEditorAndBrowser()
    {
        if (!File.Exists(EditorScript) || !File.Exists(EditorStyle))
        {
            Assert.Fail($"Label Studio's editor (npm @heartexlabs/label-studio@{EditorVersion}) is not at {EditorFolder}: "
                        + "run ./scripts/setup.sh test (scripts/setup.d/70-label-studio-frontend.sh; needs npm and the npm registry once).");
        }
        Chromium.FindExecutable();
    }

    /// <summary>The task Label Studio would send without context: the person and dog boxes as its last annotation.</summary>
    private async Task<JsonNode> PredictAsync()
    {
        var boxes = new JsonArray();
        foreach (var (label, x, y, w, h) in CocoBoxes())
        {
            boxes.Add(new JsonObject
            {
                ["type"] = "rectanglelabels", ["from_name"] = "box", ["to_name"] = "image", ["original_width"] = 640, ["original_height"] = 422,
                ["value"] = new JsonObject
                {
                    ["x"] = x / 640 * 100, ["y"] = y / 422 * 100, ["width"] = w / 640 * 100, ["height"] = h / 422 * 100,
                    ["rectanglelabels"] = new JsonArray(label),
                },
            });
        }
        var task = new JsonObject
        {
            ["id"] = 790,
            ["data"] = new JsonObject { ["image"] = "/data/local-files/?d=" + ImageKey },
            ["annotations"] = new JsonArray(new JsonObject { ["id"] = 1, ["result"] = boxes }),
        };
        var body = new JsonObject { ["tasks"] = new JsonArray(task), ["label_config"] = Config, ["project"] = "3.1700000000" };
        var response = await _client.PostAsync("/predict", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["results"]!.AsArray().Single()!;
    }

    /// <summary>coco-mini's person and dog boxes on 000000000790.jpg (COCO: x, y, width, height in pixels).</summary>
    private static IEnumerable<(string Label, double X, double Y, double W, double H)> CocoBoxes()
    {
        using var coco = JsonDocument.Parse(File.ReadAllBytes(SharedData.CocoMiniAnnotations));
        var imageId = coco.RootElement.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("file_name").GetString() == ImageName).GetProperty("id").GetInt64();
        var names = coco.RootElement.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetInt64(), c => c.GetProperty("name").GetString()!);
        var boxes = coco.RootElement.GetProperty("annotations").EnumerateArray()
            .Where(a => a.GetProperty("image_id").GetInt64() == imageId)
            .Select(a => (Label: names[a.GetProperty("category_id").GetInt64()], Box: a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray()))
            .Where(a => a.Label is "person" or "dog")
            .Select(a => (a.Label, a.Box[0], a.Box[1], a.Box[2], a.Box[3]))
            .ToList();
        Assert.Equal(5, boxes.Count);
        return boxes;
    }

    /// <summary>
    /// A page that loads LSF from the installed package and the task (image as a data: URL, the prediction as given),
    /// waits until the image is laid out and the brush canvases drawn, and returns what the editor's store holds.
    /// </summary>
    private async Task<JsonElement> OpenEditorAsync(Chromium chromium, JsonNode prediction, string screenshot)
    {
        var image = "data:image/jpeg;base64," + Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(SharedData.CocoMiniImages, ImageName)));
        var task = new JsonObject
        {
            ["id"] = 790,
            ["data"] = new JsonObject { ["image"] = image },
            ["annotations"] = new JsonArray(),
            ["predictions"] = new JsonArray(new JsonObject
            {
                ["id"] = 1, ["model_version"] = prediction["model_version"]?.DeepClone(), ["score"] = prediction["score"]?.DeepClone(),
                ["result"] = prediction["result"]!.DeepClone(),
            }),
        };
        var page = Path.Combine(_root, "editor.html");
        await File.WriteAllTextAsync(page, string.Create(CultureInfo.InvariantCulture, $$"""
            <!doctype html>
            <html><head><meta charset="utf-8">
            <link rel="stylesheet" href="{{new Uri(EditorStyle).AbsoluteUri}}">
            <script src="{{new Uri(EditorScript).AbsoluteUri}}"></script>
            </head><body><div id="label-studio"></div>
            <script>
            window.segloopErrors = [];
            window.addEventListener('error', e => window.segloopErrors.push(String(e.message)));
            new LabelStudio('label-studio', {
              config: {{JsonSerializer.Serialize(Config)}},
              interfaces: ['panel', 'side-column', 'predictions:menu', 'annotations:menu', 'topbar'],
              user: { pk: 1, firstName: 'SegLoop', lastName: 'Test' },
              task: {{task.ToJsonString()}},
            });
            </script></body></html>
            """));

        var tab = await chromium.OpenAsync(page);
        var errors = new List<string>();
        tab.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        try
        {
            await tab.WaitForFunctionAsync("""
                () => { const s = window.Htx; if (!s || !s.annotationStore) return false;
                        const image = s.annotationStore.names.get('image');
                        return image && image.isReady && s.annotationStore.predictions.length > 0; }
                """, null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            await tab.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.OutputFolder, screenshot) });
            var pageErrors = await tab.EvaluateAsync<string[]>("() => window.segloopErrors || []");
            Assert.Fail($"Label Studio's editor did not load the image and the prediction in 30 s. Page errors: {string.Join(" | ", pageErrors.Concat(errors))}");
        }
        // Brush regions decode their RLE and draw it on their own Konva layer once mounted: give React a moment.
        await tab.WaitForTimeoutAsync(1000);
        await tab.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.OutputFolder, screenshot) });
        var state = await tab.EvaluateAsync<JsonElement>("""
            () => {
              const opaque = canvas => {
                if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
                const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                let count = 0;
                for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
                return count;
              };
              const regions = window.Htx.annotationStore.predictions[0].regions;
              const brushes = regions.filter(r => r.type === 'brushregion');
              return {
                regions: regions.length,
                brushes: brushes.length,
                polygons: regions.filter(r => r.type === 'polygonregion').length,
                labels: regions.map(r => (r.labeling && r.labeling.selectedLabels.length > 0) ? r.labeling.selectedLabels[0].value : null),
                // Each brush region draws its decoded RLE on a Konva layer of its own (BrushRegion's layerRef).
                brushDetails: brushes.map(r => ({ rle: (r.rle || []).length, painted: opaque(r.layerRef && r.layerRef.getCanvas()._canvas) })),
              };
            }
            """);
        return state;
    }

    private static string Shorten(JsonNode node)
    {
        var text = node.ToJsonString();
        return text.Length <= 600 ? text : text[..600] + "...";
    }
}
