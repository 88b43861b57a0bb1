using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TestFarm.Core.Runs;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// A run belongs to the farm, with two real <c>testfarm serve --lab</c> processes on one PostgreSQL (Quartz clustered on
/// it): the instance running the run's cell is killed with SIGKILL while the cell holds machines; the other instance's job
/// store recovers the cell once the dead one misses its check-ins, retries it from reserve on other machines, and the run
/// ends Passed with the lost attempt named; no machine is ever in two leases (the hold audit over the tables, and the
/// leases' own times in the API).
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ServePostgresKillTests
{
    private const string Secret = "pg-kill-operator";

    [Test]
    public async Task The_survivor_takes_over_the_killed_instances_cell_and_the_run_ends_Passed(CancellationToken ct)
    {
        var admin = Requirements.Postgres();
        Requirements.CliDll();
        var schema = "kill_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin)) { await c.OpenAsync(ct); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(ct); }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
        try
        {
            await using var fixture = new ServeFixture();
            ServeProcess.Prepare(fixture.Root, Secret);
            using var a = ServeProcess.Start(fixture.Root, ServeProcess.FreePort(), "serve-a", $"postgres:{cs}", Secret, data: "data-a");
            // One after the other: the first creates the schema, the second finds it.
            await a.WaitUntilAsync("/api/v1/pool", _ => true, TimeSpan.FromSeconds(60), ct);
            using var b = ServeProcess.Start(fixture.Root, ServeProcess.FreePort(), "serve-b", $"postgres:{cs}", Secret, data: "data-b");
            await b.WaitUntilAsync("/api/v1/pool", _ => true, TimeSpan.FromSeconds(60), ct);

            var triggered = await a.Http.PostAsJsonAsync("api/v1/runs", new { plan = "lab-smoke" }, ct);
            Assert.That(triggered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await triggered.Content.ReadAsStringAsync(ct));
            var runId = (await triggered.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!.GetValue<string>();
            // Whichever instance's job store handed out the cell holds its lease; that one is killed once reimage has begun.
            await a.WaitUntilAsync($"/api/v1/runs/{runId}", run => Phases(run).Contains("reimage"), TimeSpan.FromSeconds(60), ct);
            var holding = (await a.WaitUntilAsync("/api/v1/leases", l => l.AsArray().Count == 1, TimeSpan.FromSeconds(10), ct)).AsArray().Single()!;
            var holder = holding["holder"]!.GetValue<string>();
            var (killed, survivor) = holder == a.Instance ? (a, b) : (b, a);
            Assert.That(killed.Instance, Is.EqualTo(holder));
            await killed.KillAsync(ct);

            var ended = await survivor.WaitUntilAsync($"/api/v1/runs/{runId}", r => RunTransitions.IsEnded(Enum.Parse<RunState>(r["state"]!.GetValue<string>())),
                TimeSpan.FromSeconds(100), ct);
            Assert.That(ended["state"]!.GetValue<string>(), Is.EqualTo("Passed"), ended.ToJsonString());
            var cell = ended["cells"]!.AsArray().Single()!;
            Assert.That(cell["evidence"]!["attempts"]!.GetValue<string>(), Is.EqualTo("2 (1 lost with their farm instance)"));

            var store = await TestFarm.Storage.Sql.SqlFarmStore.OpenPostgresAsync(cs, TimeProvider.System, ct: ct);
            var work = (await store.ListCellWorkAsync(runId, ct)).Single();
            Assert.That((work.State, work.Attempts), Is.EqualTo((CellWorkState.Recorded, 2)));
            // The phase audit shows the retry: the first attempt on the killed instance, the second on the survivor.
            var attempts = (await store.ReadAsync($"{runId}/{work.CellId}", 0, 1000, ct)).Where(e => e.Kind == "cell-attempt").Select(e => e.Reason).ToList();
            Assert.That(attempts, Is.EqualTo(new[] { $"attempt 1 taken by {killed.Instance}", $"attempt 2 taken by {survivor.Instance}" }));
            var requests = (await store.ListAsync(null, ct)).Select(r => r.Request.Id).ToList();
            Assert.That(requests, Is.EquivalentTo(new[] { $"{runId}/{work.CellId}", $"{runId}/{work.CellId}#2" }), "the retry reserved afresh");

            var leases = (await survivor.WaitUntilAsync("/api/v1/leases?all=true", _ => true, TimeSpan.FromSeconds(10), ct)).AsArray();
            var cellLeases = leases.Where(l => l!["holder"]!.GetValue<string>() is "serve-a" or "serve-b").ToList();
            Assert.That(cellLeases.Select(l => l!["holder"]!.GetValue<string>()), Is.EquivalentTo(new[] { killed.Instance, survivor.Instance }), "one lease per attempt");
            Assert.That(LeaseOverlaps.Find(leases), Is.Empty, "no machine in two leases at once");
            var audit = await HoldAudit.RunAsync(new PostgresDialect(cs), ct);
            Assert.That(audit.DoubleHeldNow, Is.Zero);
            Assert.That(audit.Clean, Is.True, string.Join("; ", audit.Problems));
            Assert.That(File.Exists(Path.Combine(new TestFarm.Reporting.RunFolders(Path.Combine(fixture.Root, survivor == a ? "data-a" : "data-b")).Run(runId), "junit.xml")),
                Is.True, "the survivor wrote the run's reports");
            await survivor.KillAsync(ct);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync(CancellationToken.None);
            await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static IReadOnlyList<string> Phases(JsonNode run) =>
        [.. run["cells"]!.AsArray().SelectMany(c => c!["phases"]!.AsArray()).Select(p => p!["phase"]!.GetValue<string>())];
}
