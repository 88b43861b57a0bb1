using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Dashboard.Tests;

/// <summary>
/// The dashboard in Debian's Chromium over <c>serve</c> with the in-process lab (simulated machines) and one finished run:
/// log in, walk fleet → machine → queue → runs → run → cell → test history checking what each page shows against the
/// API, drain a machine as an operator and find it in the audit log; and, over a backend held in reimage, watch the phase
/// change arrive on the open run page. No console errors; a screenshot of every page.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public sealed class DashboardWalkTests
{
    [Test]
    public async Task Walk_fleet_machine_queue_run_cell_test_and_act_as_an_operator(CancellationToken ct)
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "walk"), backend, ct);
        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var runId = body!["id"]!.GetValue<string>();
        var run = await api.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(120), ct);
        var server = new Uri(FarmServer.BoundAddress(api.App));

        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, BaseURL = server.AbsoluteUri });
        var problems = Browser.Watch(page, server);

        await page.GotoAsync("/");
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo("/login"), "no token: the login page");
        await Browser.ShotAsync(page, "login");
        await page.GetByLabel("Access token").FillAsync(ServeFixture.OperatorSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(server.AbsoluteUri);

        // Fleet: the API's machines, each a tile.
        var pool = await api.GetAsync("/api/v1/pool");
        var ids = pool["machines"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        var tiles = (await page.Locator("a.tile .mid").AllInnerTextsAsync()).Order(StringComparer.Ordinal).ToList();
        Assert.That(tiles, Is.EqualTo(ids));
        await Browser.ShotAsync(page, "fleet");

        // Machine: its page from its tile (one the run reimaged, so the farm has its agent's report of the hardware).
        var machineId = run["cells"]![0]!["machines"]![0]!.GetValue<string>();
        await page.Locator($"a.tile[data-machine='{machineId}']").ClickAsync();
        await page.WaitForURLAsync($"**/machines/{machineId}");
        Assert.That(await page.Locator("h1").InnerTextAsync(), Is.EqualTo($"Machine {machineId}"));
        var apiMachine = await api.GetAsync($"/api/v1/machines/{machineId}");
        Assert.That(await page.Locator("main p").First.InnerTextAsync(), Does.Contain(apiMachine["machine"]!["state"]!.GetValue<string>()));
        // Inventory and drift: the memory the agent reported, as the API has it, beside the declared value.
        Assert.That(apiMachine["inventory"]!["source"]!.GetValue<string>(), Is.EqualTo("AgentReport"));
        var memory = apiMachine["inventory"]!["hardware"]!["memoryGiB"]!.GetValue<double>().ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(await page.Locator("tr[data-component='memory'] td").Nth(1).InnerTextAsync(), Is.EqualTo($"{memory} GiB"));
        await Browser.ShotAsync(page, "machine");

        await page.GetByRole(AriaRole.Link, new() { Name = "Queue", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/queue");
        Assert.That(await page.Locator("h1").InnerTextAsync(), Is.EqualTo("Queue"));
        await Browser.ShotAsync(page, "queue");

        await page.GetByRole(AriaRole.Link, new() { Name = "Runs", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/runs");
        Assert.That(await page.Locator($"tr[data-run='{runId}']").InnerTextAsync(), Does.Contain(run["state"]!.GetValue<string>()));
        await Browser.ShotAsync(page, "runs");

        // Run: the matrix names the API's cells and verdicts.
        await page.GetByRole(AriaRole.Link, new() { Name = runId, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/runs/{runId}");
        foreach (var c in run["cells"]!.AsArray())
        {
            var row = page.Locator($"tr[data-cell='{c!["cellId"]!.GetValue<string>()}']");
            Assert.That(await row.InnerTextAsync(), Does.Contain(c["verdict"]!.GetValue<string>()));
        }
        await Browser.ShotAsync(page, "run");

        // Cell: phases as the API has them, its tests, its log open at the tail.
        var cell = run["cells"]![0]!;
        var cellId = cell["cellId"]!.GetValue<string>();
        await page.GetByRole(AriaRole.Link, new() { Name = cellId, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/cells/**");
        var phases = await page.Locator(".phases .ph .pname").AllInnerTextsAsync();
        Assert.That(phases, Is.EqualTo(cell["phases"]!.AsArray().Select(p => p!["phase"]!.GetValue<string>()).ToList()));
        var log = page.Locator(".log").First;
        await Assertions.Expect(log.Locator("[data-meta]")).ToContainTextAsync("bytes");
        Assert.That(await log.Locator("[data-text]").InnerTextAsync(), Is.Not.Empty, "the cell's log opens at its tail");
        await Browser.ShotAsync(page, "cell");

        // Test history: from the cell's result table.
        var test = cell["results"]![0]!;
        await page.Locator("table.results a", new() { HasText = test["name"]!.GetValue<string>() }).First.ClickAsync();
        await page.WaitForURLAsync("**/tests/**");
        Assert.That(await page.Locator("table.history").InnerTextAsync(), Does.Contain(runId).And.Contain(test["verdict"]!.GetValue<string>()));
        await Browser.ShotAsync(page, "test-history");

        // Operator action: drain the last machine from its page; the audit log shows it, and the API agrees.
        var target = ids[^1];
        await page.GotoAsync($"/machines/{target}");
        await page.Locator("#r-drain").FillAsync("bad DIMM (browser test)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Drain (to Quarantined)" }).ClickAsync();
        await page.WaitForURLAsync($"**/machines/{target}#events");
        Assert.That(await page.Locator("table.events").InnerTextAsync(), Does.Contain("drain by oncall (dashboard): bad DIMM (browser test)"));
        var drained = await api.GetAsync($"/api/v1/machines/{target}");
        Assert.That(drained["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("Quarantined"));
        await Browser.ShotAsync(page, "machine-drained");

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public async Task A_phase_change_arrives_on_the_open_run_page(CancellationToken ct)
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var fixture = new ServeFixture();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "live"), backend, ct);
        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var runId = body!["id"]!.GetValue<string>();
        await backend.Reimaging.Task.WaitAsync(ct);
        var server = new Uri(FarmServer.BoundAddress(api.App));

        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, BaseURL = server.AbsoluteUri });
        var problems = Browser.Watch(page, server);
        await page.GotoAsync("/login");
        await page.GetByLabel("Access token").FillAsync(ServeFixture.ViewerSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(server.AbsoluteUri);
        // A second run waits for the held machines: the queue page tells what blocks it in the API's words.
        var (second, _, secondText, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(second, Is.EqualTo(HttpStatusCode.Accepted), secondText);
        var waiting = (await api.WaitUntilAsync("/api/v1/queue", q => q.AsArray().Count == 1, TimeSpan.FromSeconds(20), ct))[0]!;
        await page.GotoAsync("/queue");
        Assert.That(await page.Locator("table.queue td.why").InnerTextAsync(), Is.EqualTo(waiting["blocking"]!.GetValue<string>()));
        await Browser.ShotAsync(page, "queue-waiting");

        var run = await api.GetAsync($"/api/v1/runs/{runId}");
        var cellId = run["cells"]![0]!["cellId"]!.GetValue<string>();
        await page.GotoAsync($"/runs/{runId}/cells/{Uri.EscapeDataString(cellId)}");
        var reimage = page.Locator(".phases [data-phase='reimage'] .pstate");
        await Assertions.Expect(reimage).ToHaveTextAsync("Running");
        await Browser.ShotAsync(page, "cell-live-before");

        backend.Open();
        // Within 2 s of the change, without reload (the stream reads again when the store commits a write).
        await Assertions.Expect(reimage).ToHaveTextAsync("Succeeded", new() { Timeout = 2_000 });
        await Assertions.Expect(page.Locator("[data-cell-verdict] .badge")).Not.ToHaveTextAsync("Running", new() { Timeout = 10_000 });
        await Browser.ShotAsync(page, "cell-live-after");
        Assert.That(problems, Is.Empty);
    }
}
