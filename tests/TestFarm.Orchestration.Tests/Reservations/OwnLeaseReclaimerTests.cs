using TestFarm.Core.HandsOn;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.Reservations;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class OwnLeaseReclaimerTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    [Test]
    public async Task A_restarted_instance_ends_its_predecessors_cell_leases_at_once_and_keeps_hands_on_and_other_holders_leases()
    {
        var store = await SqlFarmStore.OpenSqliteAsync(_dir.File("farm.db"), _time);
        var service = new ReservationService(Scheduler(), store, store, store, _time);
        await service.RegisterPoolAsync(Pool(6));
        await store.StartRunAsync("run-1", "nightly", "manual");
        Assert.That((await service.SubmitAsync(Request("run-1/cell-a", 2, PriorityClass.Nightly, _time.GetUtcNow()))).Admitted, Is.True);
        var cell = (await service.ScheduleAsync("farm-a", Ttl)).Single().Lease;
        var rest = (await store.ListMachinesAsync()).Where(m => m.State == MachineState.Available).Select(m => m.Id).Order(StringComparer.Ordinal).ToList();
        var handsOn = (await store.ClaimMachinesAsync("farm-a", HandsOnReservation.RequestIdOf("r1"), [rest[0]], Ttl)).Lease!;
        var heldCell = (await store.ClaimMachinesAsync("farm-a", "run-1/cell-held", [rest[1]], Ttl)).Lease!;
        await store.SaveHandsOnAsync(new HandsOnReservation
        {
            Id = "r2", Owner = "alice", Reason = "held failed cell", Profile = "x86", Count = 1, Duration = TimeSpan.FromHours(4),
            CreatedAt = _time.GetUtcNow(), RequestId = "run-1/cell-held",
        }.Provisioning(heldCell.Id, heldCell.Machines), "held for alice");
        var other = (await store.ClaimMachinesAsync("farm-b", "run-2/cell-b", [rest[2]], Ttl)).Lease!;

        _time.Advance(TimeSpan.FromSeconds(10)); // farm-a dies and starts again, long before the TTL
        var handler = new ReapedLeaseCellHandler(store, store, store, Profiles, new ReapedLeaseOptions(), _time);
        var noted = new ReclaimedMachines();
        var reclaimer = new OwnLeaseReclaimer("farm-a", store, store, [handler], _time, reclaimed: noted);
        _time.Advance(TimeSpan.FromSeconds(1));
        var newer = (await store.ClaimMachinesAsync("farm-a", "run-3/cell-c", [rest[3]], Ttl)).Lease!; // this process's own

        var reclaimed = await reclaimer.ReclaimAsync(CancellationToken.None);

        Assert.That(reclaimed.Select(l => l.Id), Is.EqualTo(new[] { cell.Id }));
        var ended = (await store.GetLeaseAsync(cell.Id))!;
        Assert.That(ended.State, Is.EqualTo(LeaseState.Reaped));
        Assert.That(ended.EndedAt, Is.LessThan(cell.ExpiresAt), "ended before its TTL ran out");
        Assert.That(ended.EndReason, Does.Contain("holder farm-a started again"));
        var machines = (await store.ListMachinesAsync()).ToDictionary(m => m.Id, m => m.State);
        Assert.That(cell.Machines.Select(m => machines[m]), Is.All.EqualTo(MachineState.Cleaning));
        Assert.That(machines.Keys.Where(noted.Contains), Is.EquivalentTo(cell.Machines), "the cleaner may clean these without its grace");
        var request = (await store.ListAsync()).Single(r => r.Request.Id == "run-1/cell-a");
        Assert.That((request.State, request.Reason), Is.EqualTo((RequestState.Done, (string?)$"lease expired in phase reserve ({ended.EndReason}; holder farm-a)")));
        Assert.That((await store.GetRunAsync("run-1"))!.Cells.Single().Verdict, Is.EqualTo(Verdict.InfraError), "the cell ended the way the reaper ends it");
        foreach (var kept in new[] { handsOn, heldCell, other, newer })
            Assert.That((await store.GetLeaseAsync(kept.Id))!.State, Is.EqualTo(LeaseState.Active), $"lease {kept.Id} for {kept.RequestId} of {kept.Holder}");
        Assert.That(new[] { rest[0], rest[1], rest[2], rest[3] }.Select(m => machines[m]), Is.All.EqualTo(MachineState.Reserved));

        _time.Advance(Ttl + TimeSpan.FromSeconds(1));
        Assert.That((await store.ReapExpiredAsync()).Select(l => l.Id), Does.Not.Contain(cell.Id), "the reaper finds nothing left of it");
    }

    [Test]
    public async Task The_store_reclaims_only_an_active_lease_of_that_holder_granted_before_the_start()
    {
        var store = await SqlFarmStore.OpenSqliteAsync(_dir.File("farm.db"), _time);
        await new ReservationService(Scheduler(), store, store, store, _time).RegisterPoolAsync(Pool(2));
        var lease = (await store.ClaimMachinesAsync("farm-a", "run-1/cell-a", ["m0"], Ttl)).Lease!;
        var start = _time.GetUtcNow() + TimeSpan.FromSeconds(5);

        Assert.That(await store.ReclaimAsync(lease.Id, "farm-b", start, "not mine"), Is.Null, "another holder's");
        Assert.That(await store.ReclaimAsync(lease.Id, "farm-a", lease.GrantedAt, "granted at the start"), Is.Null, "granted by this process");
        Assert.That(await store.ReclaimAsync("no-such-lease", "farm-a", start, "unknown"), Is.Null);
        Assert.That((await store.ReclaimAsync(lease.Id, "farm-a", start, "restarted"))?.State, Is.EqualTo(LeaseState.Reaped));
        Assert.That(await store.ReclaimAsync(lease.Id, "farm-a", start, "again"), Is.Null, "already ended");
        Assert.That((await store.ListMachinesAsync()).Single(m => m.Id == "m0").State, Is.EqualTo(MachineState.Cleaning));
    }
}
