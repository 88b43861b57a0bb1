using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.Reservations;

[CancelAfter(60_000)]
public sealed class StoreCellReservationsTests
{
    private static readonly Plan PrPlan = new()
    {
        Name = "pr", Priority = PriorityClass.PullRequest,
        Trigger = new PlanTrigger { Kind = TriggerKind.PullRequest }, Matrix = new PlanMatrix(),
        Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" },
    };

    private static MatrixCell Cell(string name) => new()
    {
        Id = $"pr/x86/{name}", Plan = "pr", Profile = "x86",
        Topology = new Topology
        {
            Name = name,
            Roles = [new TopologyRole { Name = "control-plane", Count = 1 }, new TopologyRole { Name = "worker", Count = 1 }],
        },
    };

    /// <summary>A SQLite store with a pool of <paramref name="machines"/> x86 machines and instance farm-a's reservations.</summary>
    private sealed class Farm : IDisposable
    {
        private readonly TempDirectory _dir = new();
        public FakeTimeProvider Time { get; } = new();
        public SqlFarmStore Store { get; private set; } = null!;
        public ReservationService Service { get; private set; } = null!;
        public StoreCellReservations Reservations { get; private set; } = null!;

        public static async Task<Farm> StartAsync(int machines, Func<string, bool>? runEnded = null)
        {
            var farm = new Farm();
            farm.Store = await SqlFarmStore.OpenSqliteAsync(farm._dir.File("farm.db"), farm.Time);
            farm.Service = new ReservationService(Scheduler(), farm.Store, farm.Store, farm.Store, farm.Time);
            var pool = Pool(machines);
            await farm.Service.RegisterPoolAsync(pool);
            farm.Reservations = new StoreCellReservations(farm.Service, new ReservationStores(farm.Store, farm.Store, farm.Store), pool, Profiles,
                new ReservationSettings { Holder = "farm-a" }, farm.Time, (run, _) => Task.FromResult(runEnded?.Invoke(run) ?? false));
            return farm;
        }

        public void Dispose()
        {
            Reservations?.Dispose();
            _dir.Dispose();
        }
    }

    [Test]
    public async Task Two_cells_share_three_machines_one_after_the_other_and_a_suspect_machine_is_not_handed_out_again()
    {
        using var farm = await Farm.StartAsync(3);
        var (time, store, reservations) = (farm.Time, farm.Store, farm.Reservations.ForRun("run-1"));

        var first = await reservations.ReserveAsync(Cell("a"), PrPlan, CancellationToken.None);
        Assert.That(first.Machines.Select(m => m.Role), Is.EqualTo(new[] { "control-plane", "worker" }));
        Assert.That(first.Machines.Select(m => m.Profile.Name), Has.All.EqualTo("x86"));

        var second = reservations.ReserveAsync(Cell("b"), PrPlan, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(second.IsCompleted, Is.False, "one machine is free, the cell needs two");

        await reservations.HeartbeatAsync(first, CancellationToken.None);
        var bad = first.Machines[1].Machine.Id;
        await reservations.ReleaseAsync(first, new Dictionary<string, string> { [bad] = "agent-callback: no callback" }, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var granted = await second.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(granted.Machines.Select(m => m.Machine.Id), Does.Not.Contain(bad));
        var states = (await store.ListMachinesAsync()).ToDictionary(m => m.Id, m => m.State);
        Assert.That(states[bad], Is.EqualTo(MachineState.Suspect));
        Assert.That(granted.Machines.Select(m => states[m.Machine.Id]), Has.All.EqualTo(MachineState.Reserved));
        Assert.That(async () => await reservations.ReleaseAsync(first, new Dictionary<string, string>(), CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("is not held by farm-a"));
    }

    [Test]
    public async Task A_cell_no_pool_could_ever_satisfy_is_refused_with_the_reason()
    {
        using var farm = await Farm.StartAsync(1);
        var reservations = farm.Reservations.ForRun("run-1");

        Assert.That(async () => await reservations.ReserveAsync(Cell("a"), PrPlan, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("cell pr/x86/a cannot be admitted").And.Message.Contains("never satisfiable"));
    }

    [Test]
    public async Task A_grant_nobody_waits_for_is_handed_back_and_its_ended_run_cancelled_so_the_waiting_cell_gets_the_machines()
    {
        using var farm = await Farm.StartAsync(3, run => run == "dead-run");
        var (time, store) = (farm.Time, farm.Store);
        // Left in the queue by a farm process that died before its cell was granted.
        var stale = TestFarm.Core.Scheduling.ReservationRequest.ForCell(Cell("stale"), PrPlan, "dead-run", time.GetUtcNow());
        Assert.That((await farm.Service.SubmitAsync(stale)).Admitted);
        time.Advance(TimeSpan.FromSeconds(1));

        var mine = await time.DriveAsync(farm.Reservations.ForRun("run-1").ReserveAsync(Cell("a"), PrPlan, CancellationToken.None), TimeSpan.FromSeconds(1));

        var requests = (await store.ListAsync()).ToDictionary(r => r.Request.Id);
        Assert.That(requests[stale.Id].State, Is.EqualTo(TestFarm.Core.Leases.RequestState.Cancelled));
        Assert.That(requests[stale.Id].Reason, Is.EqualTo("handed back: no cell of farm-a waits for it; its run has ended"));
        var handedBack = (await store.ListLeasesAsync(activeOnly: false)).Single(l => l.RequestId == stale.Id);
        Assert.That(handedBack.State, Is.EqualTo(TestFarm.Core.Leases.LeaseState.Released));
        var states = (await store.ListMachinesAsync()).ToDictionary(m => m.Id, m => m.State);
        Assert.That(mine.Machines.Select(m => states[m.Machine.Id]), Has.All.EqualTo(MachineState.Reserved));
        Assert.That(states.Count(s => s.Value == MachineState.Available), Is.EqualTo(1), "the stale grant's machines came back untouched");
        Assert.That(handedBack.Machines.Where(m => !mine.Machines.Any(c => c.Machine.Id == m)).Select(m => states[m]), Has.All.EqualTo(MachineState.Available));
    }
}
