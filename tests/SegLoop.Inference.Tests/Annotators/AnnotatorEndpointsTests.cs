using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
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
using SegLoop.Inference.Annotators;
using SegLoop.Inference.Backends;
using SegLoop.Interop.LabelStudio;
using SegLoop.ModelRuntime;
using SegLoop.Storage;
using SegLoop.Storage.Local;
using SegLoop.TestModels;

namespace SegLoop.Inference.Tests.Annotators;

/// <summary>
/// The Label Studio ML backend and the CVAT interactor through real HTTP (Kestrel on a loopback port), with request
/// bodies taken from label-studio-ml-backend's public repo (examples/segment_anything_model/test_predict.py: its
/// labeling config, its keypoint and rectangle contexts) and CVAT's lambda manager (image, pos_points, neg_points,
/// obj_bbox). The segmenter is the project's own saliency ONNX net, so scores are real probabilities.
/// </summary>
public sealed class AnnotatorEndpointsTests : IAsyncLifetime
{
    private const string ImageKey = "images/acme/street/000000000790.jpg";
    private const string User = "label-studio";
    private const string Password = "correct horse battery staple";

    // label-studio-ml-backend examples/segment_anything_model/test_predict.py _TEST_CONFIG, plus a PolygonLabels control.
    private const string Config = """
        <View>
            <Image name="image" value="$image" zoom="true"/>
            <BrushLabels name="tag" toName="image">
                <Label value="Banana" background="#FF0000"/>
                <Label value="Orange" background="#0d14d3"/>
            </BrushLabels>
            <PolygonLabels name="poly" toName="image">
                <Label value="Banana"/>
                <Label value="Orange"/>
            </PolygonLabels>
            <KeyPointLabels name="tag2" toName="image" smart="true" >
                <Label value="Banana" background="#000000" showInline="true"/>
                <Label value="Orange" background="#000000" showInline="true"/>
            </KeyPointLabels>
            <RectangleLabels name="tag3" toName="image"  >
                <Label value="Banana" background="#000000" showInline="true"/>
                <Label value="Orange" background="#000000" showInline="true"/>
            </RectangleLabels>
        </View>
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "segloop-annotators-" + Guid.NewGuid().ToString("N")[..8]);
    private WebApplication _app = null!;
    private OnnxModel _model = null!;
    private HttpClient _client = null!;
    private int _width;
    private int _height;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Annotators:BasicAuthUser"] = User,
            ["Annotators:BasicAuthPassword"] = Password,
            ["Annotators:MaxBodyBytes"] = "200000",
        });
        builder.Services.AddSingleton<IBlobStore>(new LocalFolderBlobStore(_root));
        builder.Services.AddInference(builder.Configuration);
        builder.Services.AddAnnotators(builder.Configuration);
        _app = builder.Build();
        _app.MapAnnotators();
        _model = OnnxModel.FromBytes(OnnxTestModels.SaliencyNet().Onnx);
        _app.Services.GetRequiredService<AnnotatorSegmenter>().Override = Segmenters.Onnx(_model, new OnnxPreprocessing(), "saliency", "v1");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.CocoMiniImages, "000000000790.jpg"));
        await _app.Services.GetRequiredService<IBlobStore>().PutBytesAsync(ImageKey, bytes, "image/jpeg");
        (_width, _height) = (640, 422);
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
        _model.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Health_Get_Up()
    {
        var body = await _client.GetFromJsonAsync<JsonObject>("/health");

        Assert.Equal("UP", (string?)body!["status"]);
    }

    [Fact]
    public async Task Setup_LabelStudioBody_ModelVersion()
    {
        var response = await PostAsync("/setup", new JsonObject { ["project"] = "3.1700000000", ["schema"] = Config, ["hostname"] = "http://localhost:8080", ["access_token"] = "x" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("segloop-saliency-v1", (string?)(await Json(response))["model_version"]);
    }

    /// <summary>test_predict.py's keypoint context: brushlabels ["Banana"] in format rle and a polygon, scored with a real probability.</summary>
    [Fact]
    public async Task Predict_KeypointContext_BrushAndPolygonWithRealScore()
    {
        var context = JsonNode.Parse("""
            {"result": [{"original_width": 1080, "original_height": 1080, "image_rotation": 0,
              "value": {"x": 49.441786283891545, "y": 59.96810207336522, "width": 0.3189792663476874, "labels": ["Banana"], "keypointlabels": ["Banana"]},
              "is_positive": true, "id": "fBWv1t0S2L", "from_name": "tag2", "to_name": "image", "type": "keypointlabels", "origin": "manual"}]}
            """)!;

        var prediction = await PredictOneAsync("s3://segloop/" + ImageKey, context);

        var results = prediction["result"]!.AsArray();
        var brush = results.Single(r => (string?)r!["type"] == "brushlabels")!;
        Assert.Equal("tag", (string?)brush["from_name"]);
        Assert.Equal("rle", (string?)brush["value"]!["format"]);
        Assert.Equal("Banana", (string?)brush["value"]!["brushlabels"]![0]);
        var rle = brush["value"]!["rle"]!.AsArray().Select(v => (byte)(int)v!).ToArray();
        var mask = BrushRle.DecodeMask(rle, _width, _height);
        Assert.InRange(mask.Count(v => v != 0), 1, _width * _height - 1);
        var polygon = results.Single(r => (string?)r!["type"] == "polygonlabels")!;
        Assert.Equal("poly", (string?)polygon["from_name"]);
        Assert.True(polygon["value"]!["points"]!.AsArray().Count >= 3);
        var score = (double)prediction["score"]!;
        Assert.InRange(score, 0.5, 0.9999); // mean probability inside the mask: above the threshold, never a flat 1
        Assert.Equal(score, (double)brush["score"]!, 9);
    }

    /// <summary>test_predict.py's rectangle context: the mask lies inside the box (grown by the crop padding).</summary>
    [Fact]
    public async Task Predict_RectangleContext_MaskInsideTheBox()
    {
        var context = JsonNode.Parse("""
            {"result": [{"original_width": 1080, "original_height": 1080, "type": "rectanglelabels",
              "value": {"x": 50, "y": 50, "width": 10, "height": 10, "rectanglelabels": ["Orange"]}}]}
            """)!;

        var prediction = await PredictOneAsync(ImageKey, context);

        var brush = prediction["result"]!.AsArray().Single(r => (string?)r!["type"] == "brushlabels")!;
        Assert.Equal("Orange", (string?)brush["value"]!["brushlabels"]![0]);
        var mask = BrushRle.DecodeMask(brush["value"]!["rle"]!.AsArray().Select(v => (byte)(int)v!).ToArray(), _width, _height);
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0)
                Assert.InRange(i % _width, 320 - 20, 384 + 20);
        }
    }

    [Fact]
    public async Task Predict_TaskRectanglesWithoutContext_OneRegionPerBox()
    {
        var task = new JsonObject
        {
            ["id"] = 12,
            ["data"] = new JsonObject { ["image"] = "/data/local-files/?d=" + ImageKey },
            ["annotations"] = JsonNode.Parse("""
                [{"id": 1, "result": [
                  {"type": "rectanglelabels", "from_name": "tag3", "to_name": "image", "original_width": 640, "original_height": 422,
                   "value": {"x": 10, "y": 10, "width": 20, "height": 30, "rectanglelabels": ["Banana"]}},
                  {"type": "rectanglelabels", "from_name": "tag3", "to_name": "image", "original_width": 640, "original_height": 422,
                   "value": {"x": 60, "y": 40, "width": 25, "height": 30, "rectanglelabels": ["Orange"]}}]}]
                """),
        };

        var response = await PostAsync("/predict", new JsonObject { ["tasks"] = new JsonArray(task), ["label_config"] = Config, ["project"] = "3.1700000000" });

        var prediction = (await Json(response))["results"]![0]!;
        Assert.Equal(2, prediction["result"]!.AsArray().Count(r => (string?)r!["type"] == "brushlabels"));
        Assert.Equal("segloop-saliency-v1", (string?)prediction["model_version"]);
    }

    [Fact]
    public async Task BadRequests_ClearFourHundreds_ServerKeepsAnswering()
    {
        var context = JsonNode.Parse("""{"result": [{"original_width": 640, "original_height": 422, "type": "rectanglelabels", "value": {"x": 50, "y": 50, "width": 10, "height": 10, "rectanglelabels": ["Orange"]}}]}""")!;

        var noBrush = await PostAsync("/predict", Predict(ImageKey, context, "<View><Image name=\"image\" value=\"$image\"/><Choices name=\"c\" toName=\"image\"/></View>"));
        var outside = await PostAsync("/predict", Predict("https://example.com/cat.jpg", context, Config));
        var climbing = await PostAsync("/predict", Predict("images/../models/isnet/promoted.json", context, Config));
        var missing = await PostAsync("/predict", Predict("images/acme/street/none.jpg", context, Config));
        var notJson = await _client.PostAsync("/predict", new StringContent("{tasks:", Encoding.UTF8, "application/json"));
        var oversized = await _client.PostAsync("/predict", new StringContent(new string(' ', 300_000), Encoding.UTF8, "application/json"));
        using var anonymous = new HttpClient { BaseAddress = _client.BaseAddress };
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:wrong")));
        var wrongAuth = await anonymous.PostAsync("/predict", JsonContent(Predict(ImageKey, context, Config)));

        Assert.Equal(HttpStatusCode.BadRequest, noBrush.StatusCode);
        Assert.Contains("no <BrushLabels> or <PolygonLabels>", (string?)(await Json(noBrush))["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("outside the allowed store", (string?)(await Json(outside))["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, climbing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAuth.StatusCode);
        Assert.Equal("Basic", wrongAuth.Headers.WwwAuthenticate.Single().Scheme);
        var good = await PostAsync("/predict", Predict(ImageKey, context, Config));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Webhook_LabelStudioEvents_KnownAcceptedUnknownIgnored()
    {
        var created = await PostAsync("/webhook", new JsonObject { ["action"] = "ANNOTATION_CREATED", ["project"] = new JsonObject { ["id"] = 3, ["label_config"] = Config } });
        var other = await PostAsync("/webhook", new JsonObject { ["action"] = "PROJECT_UPDATED" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("ok", (string?)(await Json(created))["status"]);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("Unknown event", (string?)(await Json(other))["status"]);
    }

    /// <summary>CVAT's interactor body: the frame as base64, a positive point, a negative one and the optional box.</summary>
    [Fact]
    public async Task CvatInteractor_PointsAndBox_MaskOfTheImageAndPolygon()
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.CocoMiniImages, "000000000790.jpg"));
        var body = new JsonObject
        {
            ["image"] = Convert.ToBase64String(bytes),
            ["pos_points"] = JsonNode.Parse("[[352, 215]]"),
            ["neg_points"] = JsonNode.Parse("[[300, 150]]"),
            ["obj_bbox"] = JsonNode.Parse("[[320, 180], [384, 250]]"),
        };
        using var cvat = new HttpClient { BaseAddress = _client.BaseAddress, DefaultRequestHeaders = { Authorization = _client.DefaultRequestHeaders.Authorization } };

        var response = await cvat.PostAsync("/cvat/interactor", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        // the base64 frame is over this test's 200 000-byte limit: the interactor says so
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var small = new JsonObject
        {
            ["image"] = Convert.ToBase64String(SmallJpeg()),
            ["pos_points"] = JsonNode.Parse("[[48, 40]]"),
            ["neg_points"] = JsonNode.Parse("[]"),
            ["obj_bbox"] = JsonNode.Parse("[[30, 24], [66, 60]]"),
        };
        var answer = await cvat.PostAsync("/cvat/interactor", new StringContent(small.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var json = await Json(answer);
        Assert.Equal(80, json["mask"]!.AsArray().Count);
        Assert.Equal(96, json["mask"]![0]!.AsArray().Count);
        Assert.Contains(json["mask"]!.AsArray(), row => row!.AsArray().Any(v => (int)v! == 1));
        Assert.True(json["points"]!.AsArray().Count >= 3);
    }

    private static byte[] SmallJpeg()
    {
        using var image = TestImages.Squares(96, 80, 20, 230, new Vision.Rect(34, 28, 30, 30));
        return image.EncodeJpeg();
    }

    private async Task<JsonNode> PredictOneAsync(string image, JsonNode context)
    {
        var response = await PostAsync("/predict", Predict(image, context, Config));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["results"]!.AsArray().Single()!;
    }

    private static JsonObject Predict(string image, JsonNode context, string config) => new()
    {
        ["tasks"] = new JsonArray(new JsonObject { ["id"] = 1, ["data"] = new JsonObject { ["image"] = image } }),
        ["model_version"] = "",
        ["project"] = "3.1700000000",
        ["label_config"] = config,
        ["params"] = new JsonObject { ["login"] = null, ["password"] = null, ["context"] = context.DeepClone() },
    };

    private Task<HttpResponseMessage> PostAsync(string path, JsonNode body) => _client.PostAsync(path, JsonContent(body));

    private static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
}
