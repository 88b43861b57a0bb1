using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Reservations;
using TestFarm.Server.Runs;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// The cleaner's grace exists for machines a pipeline may still be cleaning itself. Machines of leases that
/// <see cref="OwnLeaseReclaimer"/> ended at start (a dead predecessor's, the same instance name) have no pipeline left:
/// the cleaner cleans them on its next round, while a machine the reaper sent to Cleaning waits out the grace.
/// </summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class CleanerAfterReclaimTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    [Test]
    public async Task Machines_of_reclaimed_leases_are_cleaned_at_once_and_a_reaped_one_only_after_the_grace(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        var store = await SqlFarmStore.OpenSqliteAsync(Path.Combine(fixture.Root, "farm.db"), time, ct: ct);
        await store.RegisterAsync([new MachineRegistration("m1", "epyc-9354-e810"), new MachineRegistration("m2", "epyc-9354-e810")], ct);
        // serve-a held m1 for a cell and died; another holder's lease on m2 expired and the reaper ended it.
        var dead = (await store.ClaimMachinesAsync("serve-a", "run-1/cell-a", ["m1"], Ttl, ct)).Lease!;
        var other = (await store.ClaimMachinesAsync("serve-b", "run-2/cell-b", ["m2"], TimeSpan.FromSeconds(5), ct)).Lease!;
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That((await store.ReapExpiredAsync(ct)).Select(l => l.Id), Is.EqualTo(new[] { other.Id }));

        // serve-a starts again: its reclaimer ends its predecessor's lease long before the TTL and notes the machine.
        var reclaimed = new ReclaimedMachines();
        var reclaimer = new OwnLeaseReclaimer("serve-a", store, store, [], time, reclaimed: reclaimed);
        Assert.That((await reclaimer.ReclaimAsync(ct)).Select(l => l.Id), Is.EqualTo(new[] { dead.Id }));
        Assert.That((await store.GetLeaseAsync(dead.Id, ct))!.State, Is.EqualTo(LeaseState.Reaped));
        Assert.That(await States(store, ct), Is.EqualTo(new[] { MachineState.Cleaning, MachineState.Cleaning }));

        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-a")
            with { CleaningGrace = Grace };
        var cleaner = new MachineCleanerJob(store, options, time, NullLogger<MachineCleanerJob>.Instance, backend, reclaimed);

        time.Advance(TimeSpan.FromSeconds(1)); // the cleaner's first round, a second after the start: far inside the grace
        await cleaner.Execute(null!, ct);
        Assert.That(await States(store, ct), Is.EqualTo(new[] { MachineState.Available, MachineState.Cleaning }),
            "m1 (reclaimed) is cleaned at once; m2 (reaped) waits for its grace");
        Assert.That(backend.Cleaned, Is.EqualTo(1));
        Assert.That(reclaimed.Contains("m1"), Is.False, "a cleaned machine is no longer noted");

        time.Advance(Grace - TimeSpan.FromSeconds(2));
        await cleaner.Execute(null!, ct);
        Assert.That(await States(store, ct), Is.EqualTo(new[] { MachineState.Available, MachineState.Cleaning }), "still inside m2's grace");

        time.Advance(TimeSpan.FromSeconds(2));
        await cleaner.Execute(null!, ct);
        Assert.That(await States(store, ct), Is.EqualTo(new[] { MachineState.Available, MachineState.Available }), "m2 once its grace passed");
        Assert.That(backend.Cleaned, Is.EqualTo(2));
    }

    private static async Task<MachineState[]> States(SqlFarmStore store, CancellationToken ct) =>
        [.. (await store.ListMachinesAsync(ct)).OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => m.State)];
}
