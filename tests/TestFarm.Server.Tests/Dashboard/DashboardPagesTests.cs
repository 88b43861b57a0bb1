using System.Net;
using System.Text.Json.Nodes;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>
/// The dashboard over <c>serve</c> with the lab in-process and one finished lab run: every page answers with the API's
/// ids and verdicts, access rules hold (login redirect, cookie, roles, antiforgery), operators' actions are audited, and
/// the log endpoint pages and searches.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed partial class DashboardPagesTests
{
    private ServeFixture _fixture = null!;
    private ApiClient _api = null!;
    private string _runId = null!;
    private JsonNode _run = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        _fixture = new ServeFixture();
        var backend = await _fixture.LabAsync(limit.Token);
        _api = await _fixture.StartAsync(ServeFixture.Options(_fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(_fixture.Root, "farm.db") }, "dash"), backend, limit.Token);
        var (status, body, text, _) = await _api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        _runId = body!["id"]!.GetValue<string>();
        _run = await _api.WaitForRunEndAsync(_runId, TimeSpan.FromSeconds(120), limit.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _api?.Dispose();
        if (_fixture is not null) await _fixture.DisposeAsync();
    }

    private PageClient Pages() => new(new Uri(TestFarm.Server.Hosting.FarmServer.BoundAddress(_api.App)));

    [Test]
    public async Task Every_page_answers_with_the_apis_ids_and_verdicts()
    {
        using var pages = Pages();
        var login = await pages.LoginAsync(ServeFixture.ViewerSecret);
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(login.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("testfarm_session=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase)), Is.True);

        var pool = await _api.GetAsync("/api/v1/pool");
        var (status, fleet, _) = await pages.GetAsync("/");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), fleet);
        foreach (var m in pool["machines"]!.AsArray())
            Assert.That(fleet, Does.Contain($"href=\"/machines/{m!["id"]!.GetValue<string>()}\""), "each machine is a tile linking to its page");
        Assert.That(fleet, Does.Not.Contain(ServeFixture.ViewerSecret), "no token in a page");

        var machineId = pool["machines"]![0]!["id"]!.GetValue<string>();
        var (ms, machine, _) = await pages.GetAsync($"/machines/{machineId}");
        Assert.That(ms, Is.EqualTo(HttpStatusCode.OK), machine);
        Assert.That(machine, Does.Contain("epyc-9354-e810").And.Contain("State events"));
        Assert.That(machine, Does.Not.Contain("Operator actions"), "a viewer gets no action forms");

        var (qs, queue, _) = await pages.GetAsync("/queue");
        Assert.That(qs, Is.EqualTo(HttpStatusCode.OK), queue);

        var (rs, runs, _) = await pages.GetAsync("/runs");
        Assert.That(rs, Is.EqualTo(HttpStatusCode.OK), runs);
        Assert.That(runs, Does.Contain($"href=\"/runs/{_runId}\""));
        var (fs, filtered, _) = await pages.GetAsync("/runs?plan=no-such-plan");
        Assert.That(fs, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(filtered, Does.Not.Contain($"href=\"/runs/{_runId}\"").And.Contain("No run matches"));

        var cell = _run["cells"]![0]!;
        var cellId = cell["cellId"]!.GetValue<string>();
        var (rus, run, _) = await pages.GetAsync($"/runs/{_runId}");
        Assert.That(rus, Is.EqualTo(HttpStatusCode.OK), run);
        Assert.That(run, Does.Contain(cellId).And.Contain($"b-{_run["state"]!.GetValue<string>()}").And.Contain("/reports/report.html"));
        var cellUrl = $"/runs/{_runId}/cells/{Uri.EscapeDataString(cellId)}";
        Assert.That(run, Does.Contain($"href=\"{cellUrl}\""));

        var (cs, cellPage, _) = await pages.GetAsync(cellUrl);
        Assert.That(cs, Is.EqualTo(HttpStatusCode.OK), cellPage);
        foreach (var p in new[] { "reserve", "reimage", "deploy", "suites", "release" }) Assert.That(cellPage, Does.Contain($"data-phase=\"{p}\""));
        var test = cell["results"]![0]!;
        Assert.That(cellPage, Does.Contain(System.Net.WebUtility.HtmlEncode(test["name"]!.GetValue<string>())));
        Assert.That(cellPage, Does.Contain("data-log=\"/logs/runs/"), "the cell's logs have viewers");

        var testId = test["testId"]!.GetValue<string>();
        var (ts, history, _) = await pages.GetAsync($"/tests/{Uri.EscapeDataString(testId)}");
        Assert.That(ts, Is.EqualTo(HttpStatusCode.OK), history);
        Assert.That(history, Does.Contain($"href=\"/runs/{_runId}\"").And.Contain($"b-{test["verdict"]!.GetValue<string>()}"));
    }

    [Test]
    public async Task Without_a_token_pages_send_to_login_and_streams_answer_401()
    {
        using var pages = Pages();
        var (status, _, response) = await pages.GetAsync("/runs?plan=x");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo("/login?next=%2Fruns%3Fplan%3Dx"));
        var (ls, _, _) = await pages.GetAsync($"/live/runs/{_runId}");
        Assert.That(ls, Is.EqualTo(HttpStatusCode.Unauthorized));
        var (bs, body, _) = await pages.GetAsync("/", bearer: ServeFixture.ViewerSecret);
        Assert.That(bs, Is.EqualTo(HttpStatusCode.OK), "a bearer token opens the pages too");
        Assert.That(body, Does.Contain("Fleet"));
        var bad = await pages.LoginAsync("not-a-token");
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await bad.Content.ReadAsStringAsync(), Does.Contain("field &#x27;token&#x27;").And.Not.Contain("not-a-token"));
    }

    [Test]
    public async Task A_viewer_cannot_act_an_operator_drain_is_audited_and_a_missing_csrf_token_is_400()
    {
        var machineId = (await _api.GetAsync("/api/v1/pool"))["machines"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).Last();
        using (var viewer = Pages())
        {
            await viewer.LoginAsync(ServeFixture.ViewerSecret);
            var (_, page, _) = await viewer.GetAsync($"/machines/{machineId}");
            var (status, _, _) = await viewer.PostFormAsync($"/machines/{machineId}/drain", [new("__tf_csrf", PageClient.Csrf(page)), new("reason", "viewer tries")]);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        }
        using var op = Pages();
        await op.LoginAsync(ServeFixture.OperatorSecret);
        var (_, form, _) = await op.GetAsync($"/machines/{machineId}");
        Assert.That(form, Does.Contain("Operator actions"));
        var (noCsrf, body, _) = await op.PostFormAsync($"/machines/{machineId}/drain", [new("reason", "no token")]);
        Assert.That(noCsrf, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("__tf_csrf"));

        var (drained, _, response) = await op.PostFormAsync($"/machines/{machineId}/drain", [new("__tf_csrf", PageClient.Csrf(form)), new("reason", "fan noise")]);
        Assert.That(drained, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo($"/machines/{machineId}#events"));
        var detail = await _api.GetAsync($"/api/v1/machines/{machineId}");
        Assert.That(detail["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("Quarantined"));
        Assert.That(detail["events"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()), Does.Contain("drain by oncall (dashboard): fan noise"), "the audit log names who and why");
        var (_, after, _) = await op.GetAsync($"/machines/{machineId}");
        Assert.That(after, Does.Contain("drain by oncall (dashboard): fan noise"));
        // Back to service for the other tests.
        var (_, again, _) = await op.GetAsync($"/machines/{machineId}");
        await op.PostFormAsync($"/machines/{machineId}/repair", [new("__tf_csrf", PageClient.Csrf(again)), new("reason", "fixed")]);
    }

    [Test]
    public async Task The_log_endpoint_serves_the_tail_pages_backwards_follows_and_searches()
    {
        var cellId = _run["cells"]![0]!["cellId"]!.GetValue<string>();
        var folder = TestFarm.Reporting.RunReports.SafeName(cellId);
        var path = Path.Combine(new TestFarm.Reporting.RunFolders(Path.Combine(_fixture.Root, "data")).Cell(_runId, cellId), "big.log");
        await File.WriteAllLinesAsync(path, Enumerable.Range(0, 20_000).Select(i => i % 5000 == 4999 ? $"line {i:D6} NEEDLE here" : $"line {i:D6} plain text"));
        var size = new FileInfo(path).Length;
        using var pages = Pages();
        await pages.LoginAsync(ServeFixture.ViewerSecret);
        var url = $"/logs/runs/{_runId}/{folder}/big.log";

        var tail = JsonNode.Parse((await pages.GetAsync(url + "?limit=1000")).Body)!;
        Assert.That(tail["end"]!.GetValue<long>(), Is.EqualTo(size));
        Assert.That(tail["text"]!.GetValue<string>(), Does.EndWith("line 019999 NEEDLE here\n").And.StartWith("line "));
        var start = tail["start"]!.GetValue<long>();
        var older = JsonNode.Parse((await pages.GetAsync($"{url}?before={start}&limit=1000")).Body)!;
        Assert.That(older["end"]!.GetValue<long>(), Is.EqualTo(start), "the older page ends where the newer began");
        Assert.That(older["text"]!.GetValue<string>(), Does.EndWith("\n").And.StartWith("line "));

        await File.AppendAllTextAsync(path, "appended line\n");
        var follow = JsonNode.Parse((await pages.GetAsync($"{url}?after={size}")).Body)!;
        Assert.That(follow["text"]!.GetValue<string>(), Is.EqualTo("appended line\n"));

        var found = JsonNode.Parse((await pages.GetAsync($"{url}?q=NEEDLE&max=3")).Body)!;
        Assert.That(found["hits"]!.AsArray().Select(h => h!["line"]!.GetValue<string>()), Is.EqualTo(new[] { "line 004999 NEEDLE here", "line 009999 NEEDLE here", "line 014999 NEEDLE here" }));
        Assert.That(found["truncated"]!.GetValue<bool>(), Is.True);
        var offset = found["hits"]![0]!["offset"]!.GetValue<long>();
        var at = JsonNode.Parse((await pages.GetAsync($"{url}?after={offset}&limit=24")).Body)!;
        Assert.That(at["text"]!.GetValue<string>(), Is.EqualTo("line 004999 NEEDLE here\n"), "a hit's offset is its line's first byte");

        // A machine's serial console, where the lab keeps it (<data>/lab/<machine>/console.log): on its page and through the log endpoint.
        var machine = _run["cells"]![0]!["machines"]![0]!.GetValue<string>();
        var console = Path.Combine(_fixture.Root, "data", "lab", machine, "console.log");
        Directory.CreateDirectory(Path.GetDirectoryName(console)!);
        await File.WriteAllTextAsync(console, "[    0.000000] Linux version 6.1.0-28-cloud-amd64\n[    1.234567] Run /init as init process\n");
        var (ms, machinePage, _) = await pages.GetAsync($"/machines/{machine}");
        Assert.That(ms, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(machinePage, Does.Contain($"data-log=\"/logs/machines/{machine}/console\""));
        var consoleTail = JsonNode.Parse((await pages.GetAsync($"/logs/machines/{machine}/console")).Body)!;
        Assert.That(consoleTail["text"]!.GetValue<string>(), Does.Contain("Linux version 6.1.0"));
        var (noConsole, _, _) = await pages.GetAsync("/logs/machines/no-such-machine/console");
        Assert.That(noConsole, Is.EqualTo(HttpStatusCode.NotFound));

        var (bad, problem, _) = await pages.GetAsync($"{url}?limit=99999999");
        Assert.That(bad, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem, Does.Contain("limit"));
        var (escape, _, _) = await pages.GetAsync($"/logs/runs/{_runId}/..%2F..%2Ffarm.db");
        Assert.That(escape, Is.AnyOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound));
    }
}
