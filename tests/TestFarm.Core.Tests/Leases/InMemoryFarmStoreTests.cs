using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Testing;
using TestFarm.Testing.Storage;

namespace TestFarm.Core.Tests.Leases;

/// <summary>The shared fake refuses what the SQL store refuses, so tests using it are honest.</summary>
public sealed class InMemoryFarmStoreTests
{
    [Test]
    public async Task The_fake_claims_all_or_nothing_refuses_foreign_heartbeats_and_reaps_to_cleaning()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryFarmStore(time);
        await store.RegisterAsync([new MachineRegistration("a", "x86"), new MachineRegistration("b", "x86")]);
        var lease = (await store.ClaimMachinesAsync("farm-a", "r1", ["a"], TimeSpan.FromMinutes(1))).Lease!;
        Assert.That((await store.ClaimMachinesAsync("farm-b", "r2", ["a", "b"], TimeSpan.FromMinutes(1))).Granted, Is.False);
        Assert.That((await store.ListMachinesAsync()).Single(m => m.Id == "b").State, Is.EqualTo(MachineState.Available));
        Assert.That(Assert.ThrowsAsync<LeaseRefusedException>(() => store.HeartbeatAsync(lease.Id, "farm-b"))!.Reason, Is.EqualTo(LeaseRefusal.Foreign));
        Assert.ThrowsAsync<IllegalTransitionException>(() => store.TransitionAsync("b", MachineState.InUse, "skip"));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.That((await store.ReapExpiredAsync()).Single().State, Is.EqualTo(LeaseState.Reaped));
        Assert.That((await store.ListMachinesAsync()).Single(m => m.Id == "a").State, Is.EqualTo(MachineState.Cleaning));
    }
}
