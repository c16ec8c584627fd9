using Microsoft.Playwright;

namespace SegLoop.Testing.Browser;

/// <summary>
/// Debian's Chromium, found on PATH and driven by Microsoft.Playwright (which cannot download its own browsers here),
/// headless, with a 1400 x 900 window. Without chromium a test fails and says how to install it: never skips.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const int ViewportWidth = 1400;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Where screenshots go: beside the test assembly, under browser/.</summary>
    public static string OutputFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "browser")).FullName;

    public static string FindExecutable()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var path = Path.Combine(folder, name);
                if (File.Exists(path))
                    return path;
            }
        }
        Assert.Fail("chromium is not on PATH. The browser tests open their pages in Debian's Chromium through Microsoft.Playwright, which cannot "
                    + "download browsers here: install it with scripts/setup.sh test (scripts/setup.d/60-chromium.sh), or apt-get install chromium.");
        return null!;
    }

    public static async Task<Chromium> LaunchAsync()
    {
        var executable = FindExecutable();
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                // Containers and CI runners often run as root, where Chromium's sandbox refuses to start.
                Args = ["--no-sandbox"],
            });
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A page of the file at <paramref name="path"/>, loaded, in a 1400 x 900 window.</summary>
    public async Task<IPage> OpenAsync(string path)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = ViewportWidth, Height = 900 } });
        await page.GotoAsync(new Uri(path).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
