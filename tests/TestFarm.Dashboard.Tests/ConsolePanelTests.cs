using Microsoft.Playwright;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Dashboard.Tests;

/// <summary>
/// A machine's console panel in Debian's Chromium over <c>serve</c> with the in-process lab: an operator powers a simulated
/// machine on with the page's button, watches its boot stream into the panel, types <c>uname -a</c> into the console and reads
/// the answer in the page; the power action is in the page's audit. A viewer (holding no reservation) sees the console but no
/// input line and no power buttons. No console errors; screenshots kept.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public sealed class ConsolePanelTests
{
    [Test]
    public async Task Typing_uname_into_a_machines_console_panel_shows_the_answer_in_the_page(CancellationToken ct)
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "console-panel"), backend, ct);
        var server = new Uri(FarmServer.BoundAddress(api.App));
        var machine = backend.Pool.Machines.Select(m => m.Id).Order(StringComparer.Ordinal).First();

        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1200 }, BaseURL = server.AbsoluteUri });
        var problems = Browser.Watch(page, server);
        await page.GotoAsync("/login");
        await page.GetByLabel("Access token").FillAsync(ServeFixture.OperatorSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(server.AbsoluteUri);

        await page.GotoAsync($"/machines/{machine}");
        var output = page.Locator("[data-console-output]");
        await Assertions.Expect(page.Locator("[data-console-state]")).ToHaveTextAsync("live");
        await page.Locator("button[name=action][value=On]").ClickAsync();
        await page.WaitForURLAsync($"**/machines/{machine}#power");
        Assert.That(await page.Locator("table[data-power-audit]").InnerTextAsync(), Does.Contain("On by oncall (dashboard): On done"));

        // The page reloaded after the action: the stream sends the recent output first, then the boot as it goes.
        await Assertions.Expect(output).ToContainTextAsync("power on self test", new() { Timeout = 30_000 });
        await Assertions.Expect(output).ToContainTextAsync("~ # ", new() { Timeout = 30_000 });
        await page.GetByLabel("Type a line").FillAsync("uname -a");
        await page.GetByLabel("Type a line").PressAsync("Enter");
        await Assertions.Expect(output).ToContainTextAsync($"Linux {machine} 6.1.0-lab", new() { Timeout = 30_000 });
        Assert.That(await output.InnerTextAsync(), Does.Contain("~ # uname -a\nLinux ").And.Contain("GNU/Linux"), "echoed as typed, answered on the next line");
        Assert.That(await page.GetByLabel("Type a line").InputValueAsync(), Is.Empty, "the line is cleared once sent");
        await Browser.ShotAsync(page, "console-uname");

        // The API agrees: the same answer in the console's text, and the session in the machine's events.
        Assert.That((await api.SendAsync(HttpMethod.Get, $"/api/v1/machines/{machine}/console", ServeFixture.ViewerSecret)).Text, Does.Contain($"Linux {machine} 6.1.0-lab"));
        var events = (await api.GetAsync($"/api/v1/machines/{machine}"))["events"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()).ToList();
        Assert.That(events, Has.Some.Contains("opened by oncall (dashboard)"));

        // A viewer holding no reservation: the console, but no input line and no power buttons.
        // (Pages take a bearer token as well as the login cookie.)
        var viewer = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            BaseURL = server.AbsoluteUri, ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + ServeFixture.ViewerSecret },
        });
        var viewerProblems = Browser.Watch(viewer, server);
        await viewer.GotoAsync($"/machines/{machine}");
        Assert.That(await viewer.Locator(".who").InnerTextAsync(), Does.Contain("dashboard (Viewer)"));
        await Assertions.Expect(viewer.Locator("[data-console-output]")).ToContainTextAsync($"Linux {machine} 6.1.0-lab", new() { Timeout = 30_000 });
        Assert.That(await viewer.Locator("[data-console-input]").CountAsync(), Is.EqualTo(0));
        Assert.That(await viewer.Locator("main").InnerTextAsync(), Does.Contain("Only the holder of this machine's reservation or an operator can switch its power."));
        await Browser.ShotAsync(viewer, "console-viewer");

        Assert.That(problems, Is.Empty);
        Assert.That(viewerProblems, Is.Empty);
    }
}
