using System.Net;
using TestFarm.Storage;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>testfarm serve</c> on SQLite with the lab in-process: pool → trigger a small plan → watch the run → results,
/// through the REST API only; then the run's reports in its folder, the metrics and the store's hold audit agree.
/// </summary>
[CancelAfter(120_000), NonParallelizable]
public sealed class ServeApiWalkTests
{
    [Test]
    public async Task Pool_then_trigger_then_watch_the_run_then_results(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        var db = Path.Combine(fixture.Root, "farm.db");
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-a"), backend, ct);

        var pool = await api.GetAsync("/api/v1/pool");
        Assert.That(pool["total"]!.GetValue<int>(), Is.EqualTo(3), "two machines for the cell and one spare");
        Assert.That(pool["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(3));

        var (status, body, text, response) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var runId = body!["id"]!.GetValue<string>();
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo($"/api/v1/runs/{runId}"));

        var running = await api.GetAsync($"/api/v1/runs/{runId}");
        Assert.That(running["state"]!.GetValue<string>(), Is.AnyOf("Queued", "Running"), "its cell is a durable job, taken at once or a moment later");
        Assert.That((await api.GetAsync("/api/v1/runs"))!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Does.Contain(runId));

        var run = await api.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(100), ct);
        Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo(run["cells"]![0]!["verdict"]!.GetValue<string>()), "a one-cell run ends with its cell's verdict: " + run.ToJsonString());
        var cell = run["cells"]!.AsArray().Single()!;
        Assert.That(cell["cellId"]!.GetValue<string>(), Is.EqualTo("lab-smoke/epyc-9354-e810/1cp-1w"));
        Assert.That(cell["verdict"]!.GetValue<string>(), Is.AnyOf("Passed", "Failed"), cell.ToJsonString());
        var phases = cell["phases"]!.AsArray().Where(p => !p!["phase"]!.GetValue<string>().Contains('/')).ToList();
        Assert.That(phases.Select(p => p!["phase"]!.GetValue<string>()), Is.EqualTo(new[] { "reserve", "reimage", "deploy", "addons", "suites", "clean", "release" }));
        Assert.That(phases.All(p => p!["state"]!.GetValue<string>() == "Succeeded" && p["durationSeconds"]!.GetValue<double>() >= 0), Is.True, cell.ToJsonString());
        Assert.That(cell["results"]!.AsArray().Count, Is.GreaterThan(0), "the suite's tests are in the result");
        Assert.That(cell["tests"]!.AsObject().Sum(kv => kv.Value!.GetValue<int>()), Is.EqualTo(cell["results"]!.AsArray().Count));
        Assert.That(cell["machines"]!.AsArray().Count, Is.EqualTo(2));
        Assert.That(run["verdict"]!.GetValue<string>(), Is.EqualTo(run["state"]!.GetValue<string>()));
        Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo("Passed"), "the lab's recorded conformance results have no failure: " + run.ToJsonString());
        Assert.That(run["finished"]!.GetValue<DateTimeOffset>(), Is.GreaterThanOrEqualTo(run["started"]!.GetValue<DateTimeOffset>()));

        // Serve writes every run's reports into its folder under the data folder, and they agree with the API.
        var folder = new TestFarm.Reporting.RunFolders(Path.Combine(fixture.Root, "data")).Run(runId);
        var apiTests = cell["results"]!.AsArray().Count;
        var junit = System.Xml.Linq.XDocument.Load(Path.Combine(folder, "junit.xml"));
        Assert.That(junit.Descendants("testcase").Count(), Is.EqualTo(apiTests), "JUnit lists every test the API shows");
        Assert.That(Directory.GetFiles(Path.Combine(folder, "allure-results"), "*-result.json"), Has.Length.EqualTo(apiTests), "Allure has a result per test");
        Assert.That(File.ReadAllText(Path.Combine(folder, "report.html")), Does.Contain("lab-smoke/epyc-9354-e810/1cp-1w"));
        Assert.That(File.Exists(Path.Combine(folder, "report.md")) && File.Exists(Path.Combine(folder, "run.json")), Is.True);
        Assert.That(File.Exists(Path.Combine(folder, "cells", "lab-smoke_epyc-9354-e810_1cp-1w", "kubeconfig")), Is.True, "the cell's artifacts are in the run's folder");

        // After the run: machines back, no lease left, nothing queued, and the store's audit finds no double hold.
        var after = await api.GetAsync("/api/v1/pool");
        Assert.That(after["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(3), after.ToJsonString());
        Assert.That((await api.GetAsync("/api/v1/leases")).AsArray(), Is.Empty);
        Assert.That((await api.GetAsync("/api/v1/leases?all=true")).AsArray(), Has.Count.EqualTo(1));
        Assert.That((await api.GetAsync("/api/v1/queue")).AsArray(), Is.Empty);
        var machine = cell["machines"]!.AsArray()[0]!.GetValue<string>();
        var detail = await api.GetAsync($"/api/v1/machines/{machine}");
        Assert.That(detail["events"]!.AsArray().Select(e => e!["to"]!.GetValue<string>()), Does.Contain("Reserved").And.Contain("Available"));
        Assert.That(detail["profile"]!["name"]!.GetValue<string>(), Is.EqualTo("epyc-9354-e810"));
        var audit = await HoldAudit.RunAsync(new SqliteDialect(db), ct);
        Assert.That(audit.Clean, Is.True, string.Join("; ", audit.Problems));

        var (_, _, metrics, metricsResponse) = await api.SendAsync(HttpMethod.Get, "/metrics", null);
        Assert.That(metricsResponse.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        Assert.That(metrics, Does.Contain("testfarm_machines{profile=\"epyc-9354-e810\",state=\"Available\"} 3"));
        Assert.That(metrics, Does.Contain("testfarm_phase_duration_seconds_count{outcome=\"succeeded\",phase=\"reimage\"} 1"));
        Assert.That(metrics, Does.Contain("# TYPE testfarm_queue_depth gauge").And.Contain("# TYPE testfarm_lease_age_seconds gauge").And.Contain("# TYPE testfarm_bmc_errors gauge"));
        Assert.That(metrics, Does.Contain($"testfarm_runs_total{{outcome=\"{run["state"]!.GetValue<string>().ToLowerInvariant()}\"}} 1"));
    }
}
