using System.Net;
using Npgsql;
using TestFarm.Storage;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// Two <c>serve</c> instances on one PostgreSQL database, Quartz clustered on it: a plan triggered on each is watched
/// to its results on the other, both cells claiming from the pool at once; both instances check in to the cluster; the plan's cron is in the shared job store;
/// and the independent hold audit finds no double hold.
/// </summary>
[CancelAfter(120_000), NonParallelizable]
public sealed class ServePostgresTwoInstanceTests
{
    [Test]
    public async Task Trigger_on_one_instance_and_read_the_run_on_the_other(CancellationToken ct)
    {
        var admin = Requirements.Postgres();
        var schema = "serve_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin)) { await c.OpenAsync(ct); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(ct); }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
        try
        {
            await using var fixture = new ServeFixture();
            // Four machines: the cells of two runs fit at once, so both instances claim from the pool at the same time.
            var backend = await fixture.LabAsync(ct, spares: 2);
            var storage = new StorageOptions { Kind = StoreKind.Postgres, PostgresConnection = cs };
            using var a = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-a"), backend, ct);
            using var b = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-b"), backend, ct);

            var triggered = await Task.WhenAll(
                a.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" }),
                b.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" }));
            Assert.That(triggered.Select(t => t.Status), Is.All.EqualTo(HttpStatusCode.Accepted), string.Join("; ", triggered.Select(t => t.Text)));
            var onA = triggered[0].Body!["id"]!.GetValue<string>();
            var onB = triggered[1].Body!["id"]!.GetValue<string>();

            // Each run is read on the instance that did not run it.
            var runs = await Task.WhenAll(b.WaitForRunEndAsync(onA, TimeSpan.FromSeconds(90), ct), a.WaitForRunEndAsync(onB, TimeSpan.FromSeconds(90), ct));
            foreach (var run in runs)
            {
                Assert.That(run["state"]!.GetValue<string>(), Is.AnyOf("Passed", "Failed"), run.ToJsonString());
                var cell = run["cells"]!.AsArray().Single()!;
                Assert.That(cell["verdict"]!.GetValue<string>(), Is.AnyOf("Passed", "Failed"), cell.ToJsonString());
                Assert.That(cell["results"]!.AsArray().Count, Is.GreaterThan(0));
            }
            // Both runs deployed the same cell at the same time: each cluster's kubeconfig is in its own run's folder.
            var kubeconfigs = new[] { onA, onB }.Select(id => Path.Combine(new TestFarm.Reporting.RunFolders(Path.Combine(fixture.Root, "data")).Cell(id, "lab-smoke/epyc-9354-e810/1cp-1w"), "kubeconfig")).ToList();
            Assert.That(kubeconfigs.Select(File.Exists), Is.All.True, string.Join(", ", kubeconfigs));
            Assert.That(kubeconfigs.Select(File.ReadAllText).Distinct().Count(), Is.EqualTo(2), "two clusters, two kubeconfigs");
            var leases = (await b.GetAsync("/api/v1/leases?all=true")).AsArray();
            var used = leases.Where(l => l!["endReason"]?.GetValue<string>()?.Contains("handed back", StringComparison.Ordinal) != true).ToList();
            // A run belongs to the farm: its cells are taken by whichever instance's job store hands them out.
            Assert.That(used, Has.Count.EqualTo(2), "one lease per cell");
            Assert.That(used.Select(l => l!["holder"]!.GetValue<string>()), Is.All.AnyOf("serve-a", "serve-b"));
            Assert.That((await b.GetAsync("/api/v1/pool"))["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That((await a.GetAsync("/api/v1/leases")).AsArray(), Is.Empty);

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
