using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Machines;
using TestFarm.Core.Runs;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Runs;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Tests.Serve;

/// <summary>Cancelling a run through the API, and a graceful stop that lets the run in flight finish first.</summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class RunLifecycleTests
{
    private ServeFixture? _fixture;
    private GatedBackend _backend = null!;
    private ApiClient? _api;
    private ApiClient Api => _api!;
    private string _db = "";

    /// <summary>
    /// Starts serve on a SQLite store with a backend that holds cells in reimage, triggers the lab-smoke plan and
    /// waits until its cell is reimaging (holding its machines); returns the run id.
    /// </summary>
    private async Task<string> StartWithRunAsync(CancellationToken ct)
    {
        _fixture = new ServeFixture();
        _db = Path.Combine(_fixture.Root, "farm.db");
        _backend = new GatedBackend(_fixture.Config, Path.Combine(_fixture.Root, "cells"));
        _api = await _fixture.StartInProcessAsync(ServeFixture.Options(_fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = _db }, "serve-l"), _backend, ct);
        var runId = await TriggerAsync(_api, ct);
        await _backend.Reimaging.Task.WaitAsync(ct);
        return runId;
    }

    [TearDown]
    public async Task TearDown()
    {
        _api?.Dispose();
        if (_fixture is not null) await _fixture.DisposeAsync();
    }

    /// <summary>Triggers the lab-smoke plan as an operator; returns the run id.</summary>
    private static async Task<string> TriggerAsync(ApiClient api, CancellationToken ct)
    {
        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        ct.ThrowIfCancellationRequested();
        return body!["id"]!.GetValue<string>();
    }

    [Test]
    public async Task A_cancelled_run_cleans_and_releases_its_machines_and_ends_Cancelled(CancellationToken ct)
    {
        var runId = await StartWithRunAsync(ct);
        Assert.That((await Api.GetAsync("/api/v1/leases")).AsArray(), Has.Count.EqualTo(1), "the cell holds its machines");
        var live = await Api.GetAsync($"/api/v1/runs/{runId}");
        Assert.That(live["cells"]!.AsArray().Single()!["phases"]!.AsArray().Select(p => $"{p!["phase"]}:{p["state"]}"),
            Is.EqualTo(new[] { "reserve:Succeeded", "reimage:Running" }), "live phases come from the store");

        var (status, _, text, _) = await Api.SendAsync(HttpMethod.Post, $"/api/v1/runs/{runId}/cancel", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var run = await Api.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(30), ct);
        Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo("Cancelled"), run.ToJsonString());
        Assert.That(run["stateReason"]!.GetValue<string>(), Does.StartWith("cancelled by oncall"));
        // The run ended at once; its cell sees that, stops, cleans and releases.
        await Api.WaitUntilAsync("/api/v1/leases", l => l.AsArray().Count == 0, TimeSpan.FromSeconds(30), ct);
        Assert.That(_backend.Cleaned, Is.EqualTo(2), "both machines were cleaned");
        var folders = new TestFarm.Reporting.RunFolders(_fixture!.Root);
        Assert.That(File.Exists(Path.Combine(folders.Run(runId), "report.html")), Is.True, "a cancelled run has its reports too");
        Assert.That((await Api.GetAsync("/api/v1/pool"))["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(2));
        (status, _, text, _) = await Api.SendAsync(HttpMethod.Post, $"/api/v1/runs/{runId}/cancel", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);
    }

    [Test]
    public async Task A_run_cancelled_by_another_instance_is_stopped_here_and_keeps_that_end(CancellationToken ct)
    {
        var runId = await StartWithRunAsync(ct);
        // What another instance writes when it takes the cancel: the run's end, in the shared store.
        var other = await SqlFarmStore.OpenSqliteAsync(_db, TimeProvider.System, ct: ct);
        Assert.That(await other.EndRunAsync(runId, RunState.Cancelled, null, "cancelled by serve-other (test)", ct: ct), Is.True);
        Assert.That(await other.EndRunAsync(runId, RunState.Cancelled, null, "a second end", ct: ct), Is.False, "a run ends exactly once");

        // This instance's cell sees the end, stops, cleans and releases; its result is recorded afterwards.
        await Api.WaitUntilAsync($"/api/v1/runs/{runId}", r => r["cells"]!.AsArray().Any(c => c!["verdict"] is not null), TimeSpan.FromSeconds(30), ct);
        var run = await Api.GetAsync($"/api/v1/runs/{runId}");
        Assert.That((run["state"]!.GetValue<string>(), run["stateReason"]!.GetValue<string>()), Is.EqualTo(("Cancelled", "cancelled by serve-other (test)")), run.ToJsonString());
        Assert.That(_backend.Cleaned, Is.EqualTo(2), "the instance still alive stopped the cell, which cleaned its machines");
        Assert.That((await Api.GetAsync("/api/v1/leases")).AsArray(), Is.Empty);
    }

    [Test]
    public async Task A_graceful_stop_takes_no_new_run_and_waits_for_the_one_in_flight(CancellationToken ct)
    {
        var runId = await StartWithRunAsync(ct);
        var engine = Api.App.Services.GetRequiredService<RunEngine>();

        var stopping = Api.App.StopAsync(ct);
        Assert.That(Api.App.Lifetime.ApplicationStopping.IsCancellationRequested, Is.True, "the stop has begun");
        var refused = await engine.TriggerAsync("lab-smoke", "test", ct);
        Assert.That(refused.Refusal?.Detail, Does.Contain("is stopping"), "a stopping instance takes no new run");
        Assert.That(stopping.IsCompleted, Is.False, "the stop waits for the run in flight");

        _backend.Open();
        await stopping.WaitAsync(ct);
        var store = await SqlFarmStore.OpenSqliteAsync(_db, TimeProvider.System, ct: ct);
        var run = await store.GetRunAsync(runId, ct);
        Assert.That(run!.Finished, Is.Not.EqualTo(default(DateTimeOffset)), "the run was finished and recorded before the process stopped");
        Assert.That((await store.GetRunRecordAsync(runId, ct))!.State, Is.EqualTo(RunState.InfraError), "the gated backend deploys no cluster");
        Assert.That(run.Cells.Single().Phases.Select(p => p.Phase), Does.Contain("release"));
        Assert.That(await store.ListLeasesAsync(activeOnly: true, ct), Is.Empty);
        Assert.That((await store.ListMachinesAsync(ct)).Select(m => m.State), Is.All.EqualTo(MachineState.Available));
    }

    [Test]
    public async Task A_cell_waiting_for_machines_shows_in_the_queue_with_position_blocking_reason_and_ETA(CancellationToken ct)
    {
        var holding = await StartWithRunAsync(ct);
        var waiting = await TriggerAsync(Api, ct);

        var queue = await Api.WaitUntilAsync("/api/v1/queue", q => q.AsArray().Count > 0, TimeSpan.FromSeconds(20), ct);
        var entry = queue.AsArray().Single()!;
        Assert.That(entry["requestId"]!.GetValue<string>(), Is.EqualTo($"{waiting}/lab-smoke/epyc-9354-e810/1cp-1w"));
        Assert.That(entry["position"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(entry["priority"]!.GetValue<string>(), Is.EqualTo("Manual"));
        Assert.That(entry["blocking"]!.GetValue<string>(), Does.Contain("needs 1× control-plane [profile=epyc-9354-e810]; 2 healthy (0 free)"));
        Assert.That(entry["eta"]!.GetValue<DateTimeOffset>(), Is.GreaterThan(DateTimeOffset.UnixEpoch), "an ETA from the held lease's expected end");
        var (_, _, metrics, _) = await Api.SendAsync(HttpMethod.Get, "/metrics", null);
        Assert.That(metrics, Does.Contain("testfarm_queue_depth{class=\"Manual\"} 1"));

        await Api.SendAsync(HttpMethod.Post, $"/api/v1/runs/{waiting}/cancel", ServeFixture.OperatorSecret);
        Assert.That((await Api.WaitForRunEndAsync(waiting, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("Cancelled"));
        Assert.That((await Api.GetAsync("/api/v1/queue")).AsArray(), Is.Empty, "a cancelled run's waiting cells leave the queue");
        _backend.Open();
        Assert.That((await Api.WaitForRunEndAsync(holding, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"), "the gated backend deploys no cluster");
    }
}
