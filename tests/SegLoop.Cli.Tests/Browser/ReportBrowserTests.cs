using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SegLoop.TestModels;
using SegLoop.Testing.Browser;
using SegLoop.Vision;

namespace SegLoop.Cli.Tests.Browser;

/// <summary>
/// The HTML pages a person reviews, made by the CLI from real data and opened in Chromium: what is checked is the
/// DOM as the browser laid it out (sizes, overflow, what a click or a keystroke changes), not the HTML text.
/// </summary>
public sealed partial class ReportBrowserTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segloop-browser-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string In(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public async Task EvaluationReport_GrabCutThreeImagesTwoClicks_CurveDrawnTablesFit1400WorstCasesLabelled()
    {
        Chromium.FindExecutable(); // before the evaluation: without a browser, fail at once and say how to get one
        // Three ECSSD images with GrabCut and two simulated clicks; the first image's starting prediction is given as an
        // empty mask, so the report has an empty prediction to label.
        var (width, height) = MaskSize(Path.Combine(SharedData.EcssdDev, "masks", "0001.png"));
        await File.WriteAllTextAsync(In("empty.json"), string.Create(CultureInfo.InvariantCulture,
            $$"""[{"image_id":1,"annotation_id":1,"segmentation":{"size":[{{height}},{{width}}],"counts":[{{width * height}}]},"score":1}]"""));
        var (exitCode, stdout, stderr) = await SegLoopProcess.RunAsync(_dir.FullName,
            ["evaluate", "--ground-truth", SharedData.EcssdDev, "--segmenter", "grabcut", "--limit", "3", "--clicks", "2",
             "--predictions", In("empty.json"), "--report", In("report.html"), "--output", In("evaluation.json"), "--json"]);
        Assert.True(exitCode == 0, $"evaluate exit {exitCode}: {stderr}");

        // --json: one document on stdout, naming where the metrics and the report went, with the summary and NoC.
        using (var json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(In("report.html"), json.RootElement.GetProperty("report").GetString());
            Assert.Equal(In("evaluation.json"), json.RootElement.GetProperty("metrics").GetString());
            var overall = json.RootElement.GetProperty("summary").GetProperty("overall");
            Assert.Equal(3, overall.GetProperty("instances").GetInt32());
            Assert.Equal(3, overall.GetProperty("steps").GetArrayLength());
            Assert.Equal([0.85, 0.90], overall.GetProperty("noc").EnumerateArray().Select(n => n.GetProperty("threshold").GetDouble()));
        }

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.OpenAsync(In("report.html"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.OutputFolder, "evaluation-report.png"), FullPage = true });

        // The IoU-vs-clicks curve: one line per series (all instances; one domain here), three points, drawn with a size.
        var lines = await JsonAsync(page, """
            () => [...document.querySelectorAll('#curve svg polyline.series, #curve svg path.series')].map(l => {
              const r = l.getBoundingClientRect();
              return { name: l.dataset.name, points: (l.getAttribute('points') || '').trim().split(/\s+/).length, width: r.width, height: r.height };
            })
            """);
        var line = Assert.Single(lines.EnumerateArray());
        Assert.Equal("all", line.GetProperty("name").GetString());
        Assert.Equal(3, line.GetProperty("points").GetInt32());
        Assert.True(line.GetProperty("width").GetDouble() > 100, $"the curve is {line.GetProperty("width").GetDouble()} px wide");
        var svg = await JsonAsync(page, "() => { const r = document.querySelector('#curve svg').getBoundingClientRect(); return { w: r.width, h: r.height }; }");
        Assert.True(svg.GetProperty("w").GetDouble() > 200 && svg.GetProperty("h").GetDouble() > 100, svg.ToString());
        foreach (var id in new[] { "#noc85", "#noc90" })
            Assert.Matches(@"^\d+\.\d\d$", (await page.Locator(id + " b").InnerTextAsync()).Trim());

        // Nothing wider than the window: the page does not scroll sideways, and every metrics table ends inside it.
        var layout = await JsonAsync(page, """
            () => ({ scrollWidth: document.documentElement.scrollWidth,
                     tables: [...document.querySelectorAll('table.metrics')].map(t => t.getBoundingClientRect().right) })
            """);
        Assert.True(layout.GetProperty("scrollWidth").GetInt32() <= Chromium.ViewportWidth, $"the page is {layout.GetProperty("scrollWidth").GetInt32()} px wide");
        Assert.NotEmpty(layout.GetProperty("tables").EnumerateArray());
        Assert.All(layout.GetProperty("tables").EnumerateArray(), right => Assert.True(right.GetDouble() <= Chromium.ViewportWidth, $"a table ends at {right}"));

        // Worst cases: a legend that names every mark, pictures that loaded, the empty prediction labelled as such.
        var legend = await page.Locator("#worst + .legend").InnerTextAsync();
        foreach (var words in new[] { "ground truth", "prediction outline", "positive click", "negative click", "empty" })
            Assert.Contains(words, legend, StringComparison.Ordinal);
        var cases = await JsonAsync(page, """
            () => [...document.querySelectorAll('.cases figure')].map(f => ({
              empty: f.classList.contains('empty-prediction'),
              badge: f.querySelector('figcaption .empty') ? f.querySelector('figcaption .empty').innerText : null,
              badgeVisible: !!f.querySelector('figcaption .empty') && f.querySelector('figcaption .empty').getBoundingClientRect().width > 0,
              loaded: !!f.querySelector('img') && f.querySelector('img').complete && f.querySelector('img').naturalWidth > 0,
              shown: f.querySelector('img') ? f.querySelector('img').getBoundingClientRect().width : 0 }))
            """);
        Assert.True(cases.GetArrayLength() >= 3, cases.ToString());
        Assert.All(cases.EnumerateArray(), c =>
        {
            Assert.True(c.GetProperty("loaded").GetBoolean() && c.GetProperty("shown").GetDouble() > 50, c.ToString());
            Assert.Equal(c.GetProperty("empty").GetBoolean(), c.GetProperty("badgeVisible").GetBoolean());
        });
        var empty = Assert.Single(cases.EnumerateArray(), c => c.GetProperty("empty").GetBoolean());
        Assert.Equal("empty", empty.GetProperty("badge").GetString());
    }

    [Fact]
    public async Task ContactSheet_TinyCocoDataset_SampleStatedFilterSortEnlargeAndSourceLinksWork()
    {
        Chromium.FindExecutable();
        // Two COCO images (one with 14 books): a real ingest through the embedded loop, then a dataset build showing at most
        // three crops per class, so the page shows a sample.
        await File.WriteAllTextAsync(In("tiny.json"), CocoMiniSubset.Json(2));
        var ingest = await SegLoopProcess.RunAsync(_dir.FullName,
            ["ingest", "coco", "--annotations", In("tiny.json"), "--images", SharedData.CocoMiniImages, "--customer", "acme", "--project", "tiny",
             "--domain", "indoor", "--data", In("store"), "--json"]);
        Assert.True(ingest.ExitCode is 0 or 1, $"ingest exit {ingest.ExitCode}: {ingest.Stderr}");
        using (var json = JsonDocument.Parse(ingest.Stdout))
        {
            Assert.Equal("coco", json.RootElement.GetProperty("format").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("tasks").GetInt32());
            Assert.Equal(2, json.RootElement.GetProperty("accepted").GetInt32());
            Assert.True(json.RootElement.GetProperty("acceptedInstances").GetInt32() > 20, ingest.Stdout);
        }
        var build = await SegLoopProcess.RunAsync(_dir.FullName, ["dataset", "build", "--date", "2026-12-03", "--data", In("store"), "--json"],
            new Dictionary<string, string> { ["CropBuilder__Dataset__ContactSheetSamplesPerClass"] = "3" });
        Assert.True(build.ExitCode == 0, $"dataset build exit {build.ExitCode}: {build.Stderr}");
        string sheet;
        int selected;
        using (var json = JsonDocument.Parse(build.Stdout))
        {
            sheet = json.RootElement.GetProperty("contactSheet").GetString()!;
            Assert.True(File.Exists(json.RootElement.GetProperty("manifest").GetString()), build.Stdout);
            selected = json.RootElement.GetProperty("summary").GetProperty("selected").GetInt32();
        }
        Assert.True(File.Exists(sheet), sheet);

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.OpenAsync(sheet);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.OutputFolder, "contact-sheet.png"), FullPage = true });
        var cards = page.Locator("figure.card");
        var total = await cards.CountAsync();

        // It says it is a sample, of how many, and the numbers are those of the page and of the dataset.
        var statement = SampleStatement().Match(await page.Locator("#sample").InnerTextAsync());
        Assert.True(statement.Success, await page.Locator("#sample").InnerTextAsync());
        Assert.Equal(total, int.Parse(statement.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(selected, int.Parse(statement.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.True(total < selected && total > 3, $"{total} cards of {selected} crops");
        Assert.True(await JsonIntAsync(page, "() => document.documentElement.scrollWidth") <= Chromium.ViewportWidth);

        // Every card states the crop's pixel size; a small crop is enlarged by at most 4x, pixelated; a large one fits its frame.
        var shown = await JsonAsync(page, """
            () => [...document.querySelectorAll('figure.card')].map(c => {
              const img = c.querySelector('img.crop'), r = img.getBoundingClientRect();
              return { w: +c.dataset.width, h: +c.dataset.height, natural: img.naturalWidth, shown: r.width, caption: c.querySelector('figcaption').innerText,
                       rendering: getComputedStyle(img).imageRendering };
            })
            """);
        Assert.All(shown.EnumerateArray(), c =>
        {
            var (w, h) = (c.GetProperty("w").GetInt32(), c.GetProperty("h").GetInt32());
            Assert.Contains($"{w}\u00d7{h} px", c.GetProperty("caption").GetString(), StringComparison.Ordinal);
            var natural = c.GetProperty("natural").GetInt32();
            Assert.True(natural > 0, c.ToString());
            var factor = c.GetProperty("shown").GetDouble() / w;
            Assert.True(factor <= 4.01 && c.GetProperty("shown").GetDouble() <= 180.5, $"a {w}x{h} crop is shown {factor:0.00}x: {c}");
            Assert.Equal("pixelated", c.GetProperty("rendering").GetString());
        });
        Assert.Contains(shown.EnumerateArray(), c => c.GetProperty("natural").GetInt32() == c.GetProperty("w").GetInt32() && c.GetProperty("shown").GetDouble() > c.GetProperty("w").GetInt32());

        // The filter: typing a class leaves only that class's cards; clearing it brings all back.
        var classes = await JsonAsync(page, "() => [...new Set([...document.querySelectorAll('figure.card')].map(c => c.dataset.class))]");
        Assert.True(classes.GetArrayLength() > 2, classes.ToString());
        var cls = classes[classes.GetArrayLength() - 1].GetString()!;
        await page.Locator("#filter").FillAsync(cls);
        var visible = await JsonAsync(page, "() => [...document.querySelectorAll('figure.card')].filter(c => c.offsetParent !== null).map(c => c.dataset.class)");
        Assert.InRange(visible.GetArrayLength(), 1, total - 1);
        Assert.All(visible.EnumerateArray(), v => Assert.Contains(cls, v.GetString(), StringComparison.Ordinal));
        Assert.Contains($"{visible.GetArrayLength()} of {total}", await page.Locator("#visible").InnerTextAsync(), StringComparison.Ordinal);
        await page.Locator("#filter").FillAsync("");
        Assert.Equal(total, await JsonIntAsync(page, "() => [...document.querySelectorAll('figure.card')].filter(c => c.offsetParent !== null).length"));

        // The sort: by object area the cards reorder, largest first; by crop size, largest first; by class, back in class order.
        const string Order = "() => [...document.querySelectorAll('#cards figure.card')].map(c => ({ id: c.dataset.id, cls: c.dataset.class, area: +c.dataset.area, size: c.dataset.width * c.dataset.height }))";
        var before = await JsonAsync(page, Order);
        await page.Locator("#sort").SelectOptionAsync("area");
        var byArea = await JsonAsync(page, Order);
        Assert.NotEqual(Ids(before), Ids(byArea));
        Assert.Equal(byArea.EnumerateArray().Select(c => c.GetProperty("area").GetInt64()).OrderDescending(), byArea.EnumerateArray().Select(c => c.GetProperty("area").GetInt64()));
        await page.Locator("#sort").SelectOptionAsync("size");
        var bySize = await JsonAsync(page, Order);
        Assert.Equal(bySize.EnumerateArray().Select(c => c.GetProperty("size").GetInt64()).OrderDescending(), bySize.EnumerateArray().Select(c => c.GetProperty("size").GetInt64()));
        await page.Locator("#sort").SelectOptionAsync("class");
        var byClass = await JsonAsync(page, Order);
        Assert.Equal(byClass.EnumerateArray().Select(c => c.GetProperty("cls").GetString()).Order(StringComparer.Ordinal).ToList(),
            byClass.EnumerateArray().Select(c => c.GetProperty("cls").GetString()).ToList());

        // Enlarge: a click on the largest and on the smallest crop opens the overlay with the crop and its mask at native size.
        foreach (var id in new[] { bySize[0].GetProperty("id").GetString()!, bySize[bySize.GetArrayLength() - 1].GetProperty("id").GetString()! })
        {
            var card = page.Locator($"figure.card[data-id=\"{id}\"]");
            await card.Locator(".frame").ClickAsync();
            await page.Locator("#lightbox").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 5000 });
            await page.WaitForFunctionAsync("() => ['lightbox-crop', 'lightbox-mask'].every(i => document.getElementById(i).complete && document.getElementById(i).naturalWidth > 0)");
            var opened = await JsonAsync(page, """
                () => { const c = document.getElementById('lightbox-crop'), m = document.getElementById('lightbox-mask'), r = c.getBoundingClientRect();
                        return { w: c.naturalWidth, h: c.naturalHeight, mw: m.naturalWidth, mh: m.naturalHeight, shown: r.width, caption: document.getElementById('lightbox-caption').innerText }; }
                """);
            var (w, h) = (int.Parse(await card.GetAttributeAsync("data-width") ?? "0", CultureInfo.InvariantCulture),
                int.Parse(await card.GetAttributeAsync("data-height") ?? "0", CultureInfo.InvariantCulture));
            Assert.True(opened.GetProperty("w").GetInt32() == w && opened.GetProperty("h").GetInt32() == h, $"{id}: {w}x{h} crop opened as {opened}");
            Assert.True(opened.GetProperty("mw").GetInt32() == w && opened.GetProperty("mh").GetInt32() == h, $"{id}: mask {opened}");
            Assert.True(opened.GetProperty("shown").GetDouble() >= w, opened.ToString());
            Assert.Contains($"{w}\u00d7{h} px", opened.GetProperty("caption").GetString(), StringComparison.Ordinal);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.OutputFolder, $"contact-sheet-enlarged-{w}x{h}.png") });
            await page.Keyboard.PressAsync("Escape");
            await page.Locator("#lightbox").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Hidden, Timeout = 5000 });
        }

        // Every card links to its source image, and the link opens an image in the browser.
        var links = await JsonAsync(page, "() => [...document.querySelectorAll('figure.card')].map(c => c.querySelector('a.source') ? c.querySelector('a.source').href : null)");
        Assert.Equal(total, links.GetArrayLength());
        Assert.All(links.EnumerateArray(), link =>
        {
            Assert.NotNull(link.GetString());
            var path = new Uri(link.GetString()!).LocalPath;
            Assert.True(File.Exists(path), $"a source link points at {path}, which does not exist");
        });
        await page.GotoAsync(links[0].GetString()!);
        Assert.True(await JsonIntAsync(page, "() => document.images.length ? document.images[0].naturalWidth : 0") > 0, $"{links[0]} shows no image");
    }

    [Fact]
    public async Task RankingReport_FiveEcssdImagesTopThreeShown_PicturesHeatMapsAndOutlinesAsInTheOutputs_Fits1400()
    {
        Chromium.FindExecutable();
        // Five real ECSSD images ranked whole by a small ONNX saliency net (the same pipeline as IS-Net, in seconds), four
        // passes, the 60 most uncertain superpixels chosen and the three most uncertain images shown.
        await File.WriteAllBytesAsync(In("saliency.onnx"), OnnxTestModels.SaliencyNet().Onnx);
        var (exitCode, stdout, stderr) = await SegLoopProcess.RunAsync(_dir.FullName,
            ["rank", "--images", Path.Combine(SharedData.EcssdDev, "images"), "--limit", "5", "--segmenter", "onnx:" + In("saliency.onnx"),
             "--input-size", "64", "-D", "4", "--superpixels", "60", "--report-items", "3", "--out", In("ranking"), "--data", In("store"), "--json"]);
        Assert.True(exitCode == 0, $"rank exit {exitCode}: {stderr}");
        using (var json = JsonDocument.Parse(stdout))
            Assert.Equal(5, json.RootElement.GetProperty("run").GetProperty("ranked").GetInt32());

        // What the page must show, from the files written beside it: ranking.csv's first three rows, and for each of them
        // the entries of superpixels.json that belong to it.
        var csv = File.ReadAllLines(In("ranking/ranking.csv")).Select(l => l.Split(',')).ToList();
        int itemColumn = Array.IndexOf(csv[0], "item"), scoreColumn = Array.IndexOf(csv[0], "score");
        Assert.Equal(5, csv.Count - 1);
        var top = csv.Skip(1).Take(3).Select(r => (Item: r[itemColumn], Score: double.Parse(r[scoreColumn], CultureInfo.InvariantCulture))).ToList();
        Dictionary<string, List<string>> outlines;
        using (var chosen = JsonDocument.Parse(File.ReadAllBytes(In("ranking/superpixels.json"))))
        {
            Assert.Equal(60, chosen.RootElement.GetArrayLength());
            outlines = chosen.RootElement.EnumerateArray()
                .GroupBy(c => c.GetProperty("item").GetString()!)
                .ToDictionary(g => g.Key, g => g.Select(c => Points(c.GetProperty("polygon"))).ToList());
        }
        var expectedOutlines = top.Sum(t => outlines.GetValueOrDefault(t.Item)?.Count ?? 0);
        Assert.True(expectedOutlines > 0, "none of the 60 chosen superpixels lies in the three images shown; the test would check no outline");

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.OpenAsync(In("ranking/report.html"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.OutputFolder, "ranking-report.png"), FullPage = true });

        // The three most uncertain items, in ranking.csv's order, with its scores, most uncertain first.
        var shown = await JsonAsync(page, """
            () => [...document.querySelectorAll('#ranking tr.item')].map(r => {
              const svg = r.querySelector('svg.picture'), s = svg.getBoundingClientRect(), heat = r.querySelector('img.heat');
              return {
                item: r.dataset.item, score: r.querySelector('td.score').innerText.trim(),
                svg: { l: s.left, t: s.top, r: s.right, b: s.bottom, w: s.width },
                picture: svg.querySelector('image') ? svg.querySelector('image').getBBox().width : 0,
                heat: { loaded: heat.complete && heat.naturalWidth > 0, w: heat.getBoundingClientRect().width },
                outlines: [...svg.querySelectorAll('polygon.chosen')].map(p => {
                  const b = p.getBoundingClientRect(), style = getComputedStyle(p);
                  return { points: p.getAttribute('points'), l: b.left, t: b.top, r: b.right, b: b.bottom, w: b.width, h: b.height,
                           stroke: style.stroke, strokeWidth: parseFloat(style.strokeWidth), fill: style.fill };
                }) };
            })
            """);
        Assert.Equal(top.Select(t => t.Item), shown.EnumerateArray().Select(r => r.GetProperty("item").GetString()));
        var scores = shown.EnumerateArray().Select(r => double.Parse(r.GetProperty("score").GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(top.Select(t => t.Score), scores);
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Contains("5 items ranked, the 3 most uncertain shown", await page.Locator("#summary").InnerTextAsync(), StringComparison.Ordinal);

        // Every picture and heat map decodes (no broken image); the heat map is shown at the picture's size.
        var pictures = await page.EvaluateAsync<int[]>("""
            async () => Promise.all([...document.querySelectorAll('#ranking svg.picture image')].map(i => new Promise(done => {
              const probe = new Image(); probe.onload = () => done(probe.naturalWidth); probe.onerror = () => done(0); probe.src = i.getAttribute('href');
            })))
            """);
        Assert.Equal(3, pictures.Length);
        Assert.All(pictures, width => Assert.True(width > 0, "a picture does not decode"));
        Assert.All(shown.EnumerateArray(), r =>
        {
            Assert.True(r.GetProperty("picture").GetDouble() > 0, r.ToString());
            Assert.True(r.GetProperty("heat").GetProperty("loaded").GetBoolean(), $"{r.GetProperty("item")}: the heat map did not load");
            Assert.True(r.GetProperty("svg").GetProperty("w").GetDouble() > 100, r.ToString());
            Assert.Equal(r.GetProperty("svg").GetProperty("w").GetDouble(), r.GetProperty("heat").GetProperty("w").GetDouble(), 1.0);
        });

        // The outlines are superpixels.json's polygons of that item, drawn: a visible stroke, no fill, inside the picture.
        Assert.Equal(expectedOutlines, shown.EnumerateArray().Sum(r => r.GetProperty("outlines").GetArrayLength()));
        foreach (var r in shown.EnumerateArray())
        {
            var item = r.GetProperty("item").GetString()!;
            Assert.Equal(outlines.GetValueOrDefault(item) ?? [], r.GetProperty("outlines").EnumerateArray().Select(o => o.GetProperty("points").GetString()!));
            var svg = r.GetProperty("svg");
            Assert.All(r.GetProperty("outlines").EnumerateArray(), o =>
            {
                Assert.True(o.GetProperty("w").GetDouble() > 0 && o.GetProperty("h").GetDouble() > 0, $"{item}: an outline has no size: {o}");
                Assert.True(o.GetProperty("l").GetDouble() >= svg.GetProperty("l").GetDouble() - 1 && o.GetProperty("r").GetDouble() <= svg.GetProperty("r").GetDouble() + 1
                            && o.GetProperty("t").GetDouble() >= svg.GetProperty("t").GetDouble() - 1 && o.GetProperty("b").GetDouble() <= svg.GetProperty("b").GetDouble() + 1,
                    $"{item}: an outline lies outside its picture: {o} vs {svg}");
                Assert.Equal("none", o.GetProperty("fill").GetString());
                Assert.NotEqual("none", o.GetProperty("stroke").GetString());
                Assert.True(o.GetProperty("strokeWidth").GetDouble() >= 1, o.ToString());
            });
        }

        // A legend says what the colours and the outlines mean; nothing is wider than the window.
        var legend = await page.Locator("#legend").InnerTextAsync();
        foreach (var words in new[] { "uncertainty", "0.25", "variance", "chosen superpixel", "60 most uncertain" })
            Assert.Contains(words, legend, StringComparison.Ordinal);
        Assert.True(await JsonIntAsync(page, "() => Math.round(document.querySelector('#legend .ramp').getBoundingClientRect().width)") > 100);
        var layout = await JsonAsync(page, "() => ({ scrollWidth: document.documentElement.scrollWidth, table: document.getElementById('ranking').getBoundingClientRect().right })");
        Assert.True(layout.GetProperty("scrollWidth").GetInt32() <= Chromium.ViewportWidth, $"the page is {layout.GetProperty("scrollWidth").GetInt32()} px wide");
        Assert.True(layout.GetProperty("table").GetDouble() <= Chromium.ViewportWidth, layout.ToString());
    }

    /// <summary>A polygon as [x0, y0, x1, y1, ...] in the report's "x,y x,y" form.</summary>
    private static string Points(JsonElement polygon)
    {
        var values = polygon.EnumerateArray().Select(v => v.GetInt32()).ToList();
        return string.Join(' ', Enumerable.Range(0, values.Count / 2).Select(k => string.Create(CultureInfo.InvariantCulture, $"{values[2 * k]},{values[(2 * k) + 1]}")));
    }

    private static List<string> Ids(JsonElement cards) => cards.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();

    private static async Task<JsonElement> JsonAsync(IPage page, string function)
    {
        var text = await page.EvaluateAsync<string>($"() => JSON.stringify(({function})())");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static async Task<int> JsonIntAsync(IPage page, string function) => (await JsonAsync(page, function)).GetInt32();

    private static (int Width, int Height) MaskSize(string path)
    {
        using var mask = ImageCodec.Decode(File.ReadAllBytes(path), new DecodeOptions { Mode = DecodeMode.Grayscale });
        return (mask.Width, mask.Height);
    }

    /// <summary>The first <paramref name="images"/> images of coco-mini with their annotations and every category.</summary>
    [GeneratedRegex(@"Showing (\d+) of (\d+) crops, a seeded sample")]
    private static partial Regex SampleStatement();
}
