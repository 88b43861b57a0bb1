using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestFarm.Core.Runs;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// A run belongs to the farm: a real <c>testfarm serve --lab</c> process on SQLite is killed with SIGKILL while its cell
/// holds machines; the same farm started again (same store, same Quartz job store) recovers the cell's job, retries the
/// cell from reserve on other machines, and the run still ends Passed, with the lost attempt named and no machine ever
/// in two leases. Real processes, so this polls the API with deadlines.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public sealed class ServeKillRecoveryTests
{
    private const string Secret = "kill-test-operator";

    [Test]
    public async Task A_killed_instances_cell_is_recovered_after_a_restart_and_retried_and_the_run_ends_Passed(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var db = Path.Combine(fixture.Root, "farm.db");
        ServeProcess.Prepare(fixture.Root, Secret);
        var port = ServeProcess.FreePort();

        string runId;
        using (var first = ServeProcess.Start(fixture.Root, port, "serve-first", "sqlite:farm.db", Secret))
        {
            await first.WaitUntilAsync("/api/v1/pool", _ => true, TimeSpan.FromSeconds(60), ct);
            var triggered = await first.Http.PostAsJsonAsync("api/v1/runs", new { plan = "lab-smoke" }, ct);
            Assert.That(triggered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await triggered.Content.ReadAsStringAsync(ct));
            runId = (await triggered.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!.GetValue<string>();
            // Killed while the cell holds its machines (reimage has begun).
            await first.WaitUntilAsync($"/api/v1/runs/{runId}", run => Phases(run).Contains("reimage"), TimeSpan.FromSeconds(60), ct);
            await first.KillAsync(ct);
        }
        var store = await SqlFarmStore.OpenSqliteAsync(db, TimeProvider.System, ct: ct);
        Assert.That((await store.ListCellWorkAsync(runId, ct)).Single().State, Is.EqualTo(CellWorkState.Running), "the killed instance was running the cell");
        Assert.That(await store.ListLeasesAsync(activeOnly: true, ct), Has.Count.EqualTo(1), "the dead instance's lease still holds its machines");

        using (var second = ServeProcess.Start(fixture.Root, port, "serve-second", "sqlite:farm.db", Secret))
        {
            var run = await second.WaitUntilAsync($"/api/v1/runs/{runId}", r => RunTransitions.IsEnded(Enum.Parse<RunState>(r["state"]!.GetValue<string>())),
                TimeSpan.FromSeconds(150), ct);
            Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo("Passed"), run.ToJsonString());
            var cell = run["cells"]!.AsArray().Single()!;
            Assert.That(cell["evidence"]!["attempts"]!.GetValue<string>(), Is.EqualTo("2 (1 lost with their farm instance)"));
            await second.KillAsync(ct);
        }

        var work = (await store.ListCellWorkAsync(runId, ct)).Single();
        Assert.That((work.State, work.Attempts), Is.EqualTo((CellWorkState.Recorded, 2)));
        var attempts = (await store.ReadAsync($"{runId}/{work.CellId}", 0, 1000, ct)).Where(e => e.Kind == "cell-attempt").Select(e => e.Reason).ToList();
        Assert.That(attempts, Is.EqualTo(new[] { "attempt 1 taken by serve-first", "attempt 2 taken by serve-second" }));
        var requests = (await store.ListAsync(null, ct)).Select(r => r.Request.Id).ToList();
        Assert.That(requests, Is.EquivalentTo(new[] { $"{runId}/{work.CellId}", $"{runId}/{work.CellId}#2" }), "the retry reserved afresh");
        var audit = await HoldAudit.RunAsync(new SqliteDialect(db), ct);
        Assert.That(audit.DoubleHeldNow, Is.Zero);
        Assert.That(audit.Clean, Is.True, string.Join("; ", audit.Problems));
        Assert.That(File.Exists(Path.Combine(new TestFarm.Reporting.RunFolders(Path.Combine(fixture.Root, "data")).Run(runId), "junit.xml")), Is.True);
    }

    private static IReadOnlyList<string> Phases(JsonNode run) =>
        [.. run["cells"]!.AsArray().SelectMany(c => c!["phases"]!.AsArray()).Select(p => p!["phase"]!.GetValue<string>())];
}
