using System.Diagnostics;
using Dapper;
using Npgsql;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Orchestration.Tests.Reservations;

/// <summary>
/// Two real farm processes (<c>testfarm bench farm-node</c>) share one PostgreSQL schema with clustered Quartz and
/// race for the same machines. One is killed with SIGKILL mid-work: its leases are reaped by the other (machines to
/// Cleaning with the reason), its jobs, which request recovery, run again on the other, and an independent audit
/// finds no double hold. Real processes, so this polls the database with a deadline (under 60 s).
/// </summary>
public sealed class QuartzFailoverTests
{
    private const int Machines = 6;

    private static Process Start(string dll, string admin, string schema, string name, int jobs, int threads)
    {
        var psi = new ProcessStartInfo("dotnet",
            $"\"{dll}\" bench farm-node --schema {schema} --name {name} --jobs {jobs} --threads {threads} --job-seconds 45 --ttl-seconds 2 --checkin-ms 500 --exit-after-seconds 58")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["TESTFARM_POSTGRES"] = admin;
        return Process.Start(psi)!;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, DateTime deadline, string what, params Process[] alive)
    {
        while (!await condition())
        {
            foreach (var p in alive)
                if (p.HasExited) Assert.Fail($"a farm node exited early ({p.ExitCode}) while waiting until {what}: {await p.StandardError.ReadToEndAsync()}{await p.StandardOutput.ReadToEndAsync()}");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"timed out waiting until {what}");
            await Task.Delay(200);
        }
    }

    [Test]
    public async Task A_killed_node_has_its_leases_reaped_and_its_jobs_recovered_by_the_other_without_double_holds()
    {
        var admin = Requirements.Postgres();
        var dll = Requirements.CliDll();
        var schema = "f_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin)) { await c.OpenAsync(); await c.ExecuteAsync($"CREATE SCHEMA {schema}"); }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
        Process? victim = null, survivor = null;
        try
        {
            var store = await SqlFarmStore.OpenPostgresAsync(cs, TimeProvider.System);
            await store.RegisterAsync(Enumerable.Range(0, Machines).Select(i => new MachineRegistration($"m{i}", "p0", "l2a")).ToList());
            await using var db = new NpgsqlConnection(cs);
            await db.OpenAsync();
            Task<long> Count(string sql, object? args = null) => db.ExecuteScalarAsync<long>(sql, args);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(58);

            // The victim alone first: it provisions the Quartz schema and takes all three of its jobs (3 threads).
            victim = Start(dll, admin, schema, "victim", jobs: 3, threads: 3);
            await WaitUntil(async () => await Count("SELECT COUNT(*) FROM events WHERE kind = 'job' AND to_state = 'started' AND reason LIKE 'on victim %'") == 3
                && await Count("SELECT COUNT(*) FROM leases WHERE holder LIKE 'victim/%'") > 0, deadline, "the victim runs its jobs and claims", victim);
            survivor = Start(dll, admin, schema, "survivor", jobs: 2, threads: 8);
            await WaitUntil(async () => await Count("SELECT COUNT(*) FROM leases WHERE holder LIKE 'survivor/%'") > 0
                && await Count("SELECT COUNT(*) FROM leases WHERE holder LIKE 'victim/%' AND state = 'Active'") > 0, deadline,
                "both nodes claim the same machines and the victim holds some", victim, survivor);

            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync();
            var heldAtKill = (await db.QueryAsync<string>("SELECT id FROM leases WHERE holder LIKE 'victim/%' AND state = 'Active'")).ToList();
            Assert.That(heldAtKill, Is.Not.Empty, "the victim held leases when it was killed");

            await WaitUntil(async () => await Count("SELECT COUNT(*) FROM leases WHERE id = ANY(@heldAtKill) AND state = 'Active'", new { heldAtKill = heldAtKill.ToArray() }) == 0
                && await Count("SELECT COUNT(*) FROM events WHERE kind = 'job' AND to_state = 'recovered' AND reason LIKE 'on survivor %'") >= 3,
                deadline, "the survivor reaps the victim's leases and recovers its jobs", survivor);

            var reaped = await Task.WhenAll(heldAtKill.Select(id => store.GetLeaseAsync(id)));
            Assert.That(reaped.Select(l => l!.State), Is.All.EqualTo(LeaseState.Reaped));
            foreach (var lease in reaped)
            {
                var toCleaning = (await store.ReadAsync()).Where(e => e.Kind == "machine" && e.LeaseId == lease!.Id && e.To == nameof(MachineState.Cleaning)).ToList();
                Assert.That(toCleaning.Select(e => e.Subject), Is.EquivalentTo(lease!.Machines), $"every machine of {lease.Id} went to Cleaning");
                Assert.That(toCleaning.Select(e => e.Reason), Is.All.Contain("reaped").And.All.Contain("no heartbeat"));
            }
            var handled = (await store.ReadAsync()).Where(e => e.Kind == ReapedLeasePolicy.EventKind && e.LeaseId is not null && heldAtKill.Contains(e.LeaseId)).ToList();
            Assert.That(handled.Select(e => e.LeaseId), Is.EquivalentTo(heldAtKill), "the reaped-lease handler ran for every reaped lease");
            Assert.That(handled.Select(e => e.Reason), Is.All.StartWith("lease expired in phase reserve").And.All.Contain("holder victim/"));
            var recovered = await db.QueryAsync<string>("SELECT DISTINCT subject FROM events WHERE kind = 'job' AND to_state = 'recovered' AND reason LIKE 'on survivor %'");
            Assert.That(recovered, Is.EquivalentTo(new[] { "victim-work-0", "victim-work-1", "victim-work-2" }), "the victim's jobs ran again on the survivor");
            var audit = await HoldAudit.RunAsync(new PostgresDialect(cs));
            Assert.That(audit.Problems, Is.Empty);
            Assert.That(audit.DoubleHeldNow, Is.Zero);
        }
        finally
        {
            foreach (var p in new[] { victim, survivor })
            {
                if (p is null) continue;
                if (!p.HasExited) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
                p.Dispose();
            }
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync();
            await c.ExecuteAsync($"DROP SCHEMA {schema} CASCADE");
        }
    }
}
