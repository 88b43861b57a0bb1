using System.Net;
using Npgsql;
using TestFarm.Storage;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// Two <c>serve</c> instances on one PostgreSQL database, Quartz clustered on it: a plan triggered on one is watched
/// to its results on the other; both instances check in to the cluster; the plan's cron is in the shared job store;
/// and the independent hold audit finds no double hold.
/// </summary>
[CancelAfter(120_000), NonParallelizable]
public sealed class ServePostgresTwoInstanceTests
{
    [Test]
    public async Task Trigger_on_one_instance_and_read_the_run_on_the_other(CancellationToken ct)
    {
        var admin = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail("TESTFARM_POSTGRES is not set but CI=true");
            Assert.Ignore("TESTFARM_POSTGRES is not set: start a throw-away PostgreSQL to run this test");
        }
        var schema = "serve_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin)) { await c.OpenAsync(ct); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(ct); }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
        try
        {
            await using var fixture = new ServeFixture();
            var backend = await fixture.LabAsync(ct);
            var storage = new StorageOptions { Kind = StoreKind.Postgres, PostgresConnection = cs };
            using var a = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-a"), backend, ct);
            using var b = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-b"), backend, ct);

            var (status, body, text, _) = await a.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
            var runId = body!["id"]!.GetValue<string>();

            var run = await b.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(100), ct);
            Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo("Finished"), run.ToJsonString());
            var cell = run["cells"]!.AsArray().Single()!;
            Assert.That(cell["verdict"]!.GetValue<string>(), Is.AnyOf("Passed", "Failed"), cell.ToJsonString());
            Assert.That(cell["results"]!.AsArray().Count, Is.GreaterThan(0));
            var leases = await b.GetAsync("/api/v1/leases?all=true");
            Assert.That(leases.AsArray().Select(l => l!["holder"]!.GetValue<string>()), Is.EqualTo(new[] { "serve-a" }), "the instance that ran the cell held its lease");
            Assert.That((await b.GetAsync("/api/v1/pool"))["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(3));

            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync(ct);
            var instances = Convert.ToInt64(await new NpgsqlCommand("SELECT COUNT(*) FROM qrtz_scheduler_state", conn).ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(instances, Is.EqualTo(2), "both instances check in to the Quartz cluster");
            var cron = await new NpgsqlCommand("SELECT cron_expression FROM qrtz_cron_triggers WHERE trigger_name = 'plan-lab-smoke-cron'", conn).ExecuteScalarAsync(ct);
            Assert.That(cron, Is.EqualTo("0 0 3 * * ?"), "the plan's nightly cron is scheduled in the shared job store");
            var audit = await HoldAudit.RunAsync(new PostgresDialect(cs), ct);
            Assert.That(audit.DoubleHeldNow, Is.Zero);
            Assert.That(audit.Clean, Is.True, string.Join("; ", audit.Problems));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync(CancellationToken.None);
            await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
