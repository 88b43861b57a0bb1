using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Dashboard.Tests;

/// <summary>
/// A reservation's page follows the reservation without a reload (Debian's Chromium over <c>serve</c> with the lab's simulated
/// machines): opened while the reservation is still on its way, it turns Ready with the machine and its console panel; an
/// extend, a console session and the release, each made through the API, arrive in the open page. The page is never reloaded
/// (a marker set in it survives), no console errors; screenshots kept.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public sealed class ReservationLiveTests
{
    /// <summary>How long a change made through the API may take to show (the brief is 2 s; the bound leaves room for a loaded machine).</summary>
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Test]
    public async Task A_reservations_page_shows_ready_machines_extend_sessions_and_release_as_they_happen(CancellationToken ct)
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var driver = playwright;
        await using var chromium = browser;
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "live-resv"), backend, ct);
        var server = new Uri(FarmServer.BoundAddress(api.App));

        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1400 }, BaseURL = server.AbsoluteUri });
        var problems = Browser.Watch(page, server);
        var loads = 0;
        page.Load += (_, _) => loads++;
        await page.GotoAsync("/login");
        await page.GetByLabel("Access token").FillAsync(ServeFixture.OperatorSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(server.AbsoluteUri);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
            new { profile = "epyc-9354-e810", count = 1, duration = "01:00:00", reason = "watch it live" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var id = body!["id"]!.GetValue<string>();
        await page.GotoAsync($"/reservations/{Uri.EscapeDataString(id)}");
        var first = await page.Locator("[data-reservation-state]").InnerTextAsync();
        Assert.That(first, Is.AnyOf("Queued", "Provisioning"), "opened before the machines are ready");
        Assert.That(await page.Locator("[data-console-panel]").CountAsync(), Is.EqualTo(0));
        // Every state the page shows, as it shows it; and a marker a reload would lose.
        await page.EvaluateAsync("""
            () => {
              window.__kept = "no reload";
              window.__states = [document.querySelector("[data-reservation-state]").textContent];
              new MutationObserver(() => {
                const s = document.querySelector("[data-reservation-state]");
                if (s && window.__states[window.__states.length - 1] !== s.textContent) window.__states.push(s.textContent);
              }).observe(document.querySelector("main"), { subtree: true, childList: true, characterData: true });
            }
            """);
        var loadsBefore = loads;

        // Ready: the machine, its times and its console arrive in the open page.
        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => r["state"]!.GetValue<string>() is "Ready" or "Ended", TimeSpan.FromSeconds(120), ct);
        Assert.That(ready["state"]!.GetValue<string>(), Is.EqualTo("Ready"), ready.ToJsonString());
        var readySeen = Stopwatch.StartNew();
        await Assertions.Expect(page.Locator("[data-reservation-state]")).ToHaveTextAsync("Ready", new() { Timeout = (float)Within.TotalMilliseconds });
        var readyLatency = readySeen.Elapsed;
        var machine = ready["machines"]![0]!["id"]!.GetValue<string>();
        Assert.That(await page.Locator("li[data-machine]").AllInnerTextsAsync(), Has.Count.EqualTo(1).And.Some.StartsWith(machine + " · BMC http://127."));
        await Assertions.Expect(page.Locator("[data-expires-at]")).ToHaveTextAsync(Time(ready["expiresAt"]!.GetValue<DateTimeOffset>()));
        await Assertions.Expect(page.Locator($"[data-console-panel=\"{machine}\"] [data-console-state]")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        Assert.That(await page.GetByRole(AriaRole.Button, new() { Name = "Extend" }).CountAsync(), Is.EqualTo(1), "the operator's actions, once Ready");

        // Extend through the API: the new expiry in the page.
        var watch = Stopwatch.StartNew();
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/extend", ServeFixture.OperatorSecret, new { duration = "00:30:00" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        var extended = body!["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.That(extended - ready["expiresAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(TimeSpan.FromMinutes(30)));
        await Assertions.Expect(page.Locator("[data-expires-at]")).ToHaveTextAsync(Time(extended), new() { Timeout = (float)Within.TotalMilliseconds });
        var extendLatency = watch.Elapsed;
        Assert.That(await page.Locator("table.events").InnerTextAsync(), Does.Contain("extended"), "the audit log grew too");

        // A console session opened through the API: listed on the page with its transcript link; the embedded console shows the answer.
        watch.Restart();
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var session = body!["session"]!.GetValue<string>();
        var row = page.Locator($"tr[data-session=\"{session}\"]");
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = (float)Within.TotalMilliseconds });
        var sessionLatency = watch.Elapsed;
        Assert.That(await row.InnerTextAsync(), Does.Contain(machine).And.Contain("oncall (api)"));
        Assert.That(await row.Locator("a").First.GetAttributeAsync("href"), Is.EqualTo($"/api/v1/reservations/{Uri.EscapeDataString(id)}/transcripts/{session}"));
        await Assertions.Expect(page.Locator($"[data-console-panel=\"{machine}\"] [data-console-output]")).ToContainTextAsync($"Linux {machine}", new() { Timeout = 10_000 });
        await Browser.ShotAsync(page, "reservation-live-ready");

        // Release through the API: Releasing, then Ended; the console panel goes, and so do the actions.
        watch.Restart();
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        await Assertions.Expect(page.Locator("[data-console-panel]")).ToHaveCountAsync(0, new() { Timeout = (float)Within.TotalMilliseconds });
        var releaseLatency = watch.Elapsed;
        await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => r["state"]!.GetValue<string>() == "Ended", TimeSpan.FromSeconds(60), ct);
        await Assertions.Expect(page.Locator("[data-reservation-state]")).ToHaveTextAsync("Ended", new() { Timeout = (float)Within.TotalMilliseconds });
        Assert.That(await page.GetByRole(AriaRole.Button, new() { Name = "Release" }).CountAsync(), Is.EqualTo(0));
        await Browser.ShotAsync(page, "reservation-live-ended");

        var states = (await page.EvaluateAsync<string[]>("() => window.__states")).ToList();
        Assert.That(states, Is.EqualTo(states.Distinct().ToList()), "each state shown once, in order");
        var order = new[] { "Queued", "Provisioning", "Ready", "Releasing", "Ended" };
        Assert.That(states.Select(s => Array.IndexOf(order, s)), Is.Ordered.And.All.GreaterThanOrEqualTo(0), string.Join(" → ", states));
        Assert.That((states[0], states.Contains("Ready"), states[^1]), Is.EqualTo((first, true, "Ended")), string.Join(" → ", states));
        Assert.That(await page.EvaluateAsync<string>("() => window.__kept"), Is.EqualTo("no reload"));
        Assert.That(loads, Is.EqualTo(loadsBefore), "no page load after the page was opened");
        Assert.That(await page.Locator("[data-live-reservation]").GetAttributeAsync("data-live-error"), Is.Null);
        TestContext.Out.WriteLine($"shown in the page after the API: ready {readyLatency.TotalMilliseconds:F0} ms (after the API said Ready), extend {extendLatency.TotalMilliseconds:F0} ms, "
            + $"session {sessionLatency.TotalMilliseconds:F0} ms, release {releaseLatency.TotalMilliseconds:F0} ms; states {string.Join(" → ", states)}");
        Assert.That(problems, Is.Empty);
    }
}
