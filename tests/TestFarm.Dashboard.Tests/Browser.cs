using Microsoft.Playwright;

namespace TestFarm.Dashboard.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright's driver (never a downloaded browser): the path is <c>/usr/bin/chromium</c>, or
/// <c>TESTFARM_CHROMIUM</c> when set. Tests are ignored, saying why, when no such browser is installed.
/// </summary>
internal static class Browser
{
    public static string Path => Environment.GetEnvironmentVariable("TESTFARM_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(Path)) Assert.Ignore($"no Chromium at {Path} (apt-get install chromium, or set TESTFARM_CHROMIUM)");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path, Headless = true, Timeout = 60_000,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }

    /// <summary>A full-page screenshot kept as the test's attachment.</summary>
    public static async Task ShotAsync(IPage page, string name)
    {
        var file = System.IO.Path.Combine(TestContext.CurrentContext.WorkDirectory, $"dashboard-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        TestContext.AddTestAttachment(file, $"dashboard: {name}");
    }

    /// <summary>Records the page's console errors and uncaught exceptions, and any request leaving the server.</summary>
    public static List<string> Watch(IPage page, Uri server)
    {
        var problems = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") problems.Add($"console error: {m.Text}"); };
        page.PageError += (_, e) => problems.Add($"page error: {e}");
        page.Request += (_, r) => { if (!r.Url.StartsWith(server.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)) problems.Add($"request outside the farm: {r.Url}"); };
        return problems;
    }
}
