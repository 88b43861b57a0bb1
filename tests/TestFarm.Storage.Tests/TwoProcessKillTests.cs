using System.Diagnostics;
using Dapper;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// Two real <c>testfarm</c> processes race for the same machines in one PostgreSQL schema; one is killed with
/// SIGKILL mid-run. Its leases are then reaped, and an independent audit finds no double hold ever.
/// Real processes, so this waits on them with deadlines.
/// </summary>
public sealed class TwoProcessKillTests
{
    private static Process Start(string dll, string schema, string admin)
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" bench claims --db postgres --clients 8 --seconds 8 --machines 24 --ttl-seconds 3 --schema {schema}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["TESTFARM_POSTGRES"] = admin;
        return Process.Start(psi)!;
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { RedirectStandardError = true })!;
        await kill.WaitForExitAsync();
    }

    [Test]
    public async Task Two_farm_processes_race_one_is_killed_and_its_leases_are_reaped_without_double_holds()
    {
        var admin = StoreTarget.PostgresConnection();
        var dll = Requirements.CliDll();
        await using var target = await StoreTarget.CreateAsync(StoreKind.Postgres);
        var store = await target.OpenStoreAsync(TimeProvider.System);
        await store.RegisterAsync(Enumerable.Range(0, 24).Select(i => new MachineRegistration($"m{i:D4}", $"p{i % 4}", $"l2{i % 2}")).ToList());

        using var victim = Start(dll, target.Schema!, admin);
        using var survivor = Start(dll, target.Schema!, admin);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var victimHolder = $"pid{victim.Id}-";
        await using var probe = await target.NewDialect().OpenAsync(default);
        // Claims take milliseconds: freeze the victim (SIGSTOP) and kill it only while it holds a lease, so it dies holding one.
        while (true)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the victim process was never caught holding a lease");
            if (victim.HasExited) Assert.Fail("the victim exited early: " + await victim.StandardError.ReadToEndAsync());
            await SignalAsync("STOP", victim.Id);
            if (await probe.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM leases WHERE holder LIKE @p AND state = 'Active'", new { p = victimHolder + "%" }) >= 1) break;
            await SignalAsync("CONT", victim.Id);
            await Task.Delay(20);
        }
        victim.Kill(entireProcessTree: true);
        await victim.WaitForExitAsync();
        await survivor.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        var survivorOut = await survivor.StandardOutput.ReadToEndAsync();
        Assert.That(survivorOut, Does.Contain("double-held=0"), survivorOut + await survivor.StandardError.ReadToEndAsync());

        var reaped = new List<Lease>();
        while ((await store.ListLeasesAsync(activeOnly: true)).Count > 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline + TimeSpan.FromSeconds(60)), "leases of the killed process were never reaped");
            reaped.AddRange(await store.ReapExpiredAsync());
            await Task.Delay(200);
        }
        var leases = await store.ListLeasesAsync(activeOnly: false);
        Assert.That(leases.Select(l => l.State), Is.All.EqualTo(LeaseState.Released).Or.EqualTo(LeaseState.Reaped));
        Assert.That(reaped.Where(l => l.Holder.StartsWith(victimHolder, StringComparison.Ordinal)), Is.Not.Empty,
            $"the killed process held leases when it died; leases: {string.Join(", ", leases.GroupBy(l => (l.Holder.Split('-')[0], l.State)).Select(g => $"{g.Key}={g.Count()}"))}; victim {victimHolder}");
        var audit = await HoldAudit.RunAsync(target.NewDialect());
        Assert.That(audit.Problems, Is.Empty);
        Assert.That((await store.ListMachinesAsync()).Where(m => MachineTransitions.IsHeld(m.State)), Is.Empty);
    }
}
