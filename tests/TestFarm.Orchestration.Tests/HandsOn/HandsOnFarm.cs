using System.Diagnostics;
using TestFarm.Core.HandsOn;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Orchestration.Reservations;
using TestFarm.Orchestration.Tests.Pipeline;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.HandsOn;

/// <summary>
/// One farm instance on a SQLite file with <c>n</c> x86 machines, the cells' broker and the hands-on reservations over a
/// fake provisioner, on a fake clock. <see cref="RestartAsync"/> stops it and starts it again on the same file.
/// </summary>
internal sealed class HandsOnFarm : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly int _machines;

    private HandsOnFarm(TempDirectory dir, int machines, FakeTimeProvider time) => (_dir, _machines, Time) = (dir, machines, time);

    public FakeTimeProvider Time { get; }
    public FakeProvisioner Provisioner { get; } = new();
    public SqlFarmStore Store { get; private set; } = null!;
    public StoreCellReservations Cells { get; private set; } = null!;
    public HandsOnReservations HandsOn { get; private set; } = null!;

    /// <summary>Deploys reservations' clusters (the one plan "lab", deployer "lab") when started with a bring-up.</summary>
    public HandsOnClusters? Clusters { get; private set; }

    public string ClusterRoot => _dir.File("reservations");

    public static async Task<HandsOnFarm> StartAsync(int machines, Orchestration.Pipeline.IClusterBringUp? bringUp = null)
    {
        var farm = new HandsOnFarm(new TempDirectory(), machines, new FakeTimeProvider(FakeTimeProviderExtensions.Start));
        if (bringUp is not null)
        {
            var plan = new Core.Plans.Plan
            {
                Name = "lab", Trigger = new Core.Plans.PlanTrigger { Kind = Core.Plans.TriggerKind.Manual },
                Matrix = new Core.Plans.PlanMatrix(),
                Cluster = new Core.Plans.ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" },
            };
            farm.Clusters = new HandsOnClusters(bringUp, [plan], Profiles.Values, farm.ClusterRoot);
        }
        await farm.OpenAsync();
        return farm;
    }

    private async Task OpenAsync()
    {
        Store = await SqlFarmStore.OpenSqliteAsync(_dir.File("farm.db"), Time);
        var service = new ReservationService(Scheduler(), Store, Store, Store, Time);
        var pool = Pool(_machines);
        await service.RegisterPoolAsync(pool);
        Cells = new StoreCellReservations(service, new ReservationStores(Store, Store, Store), pool, Profiles,
            new ReservationSettings { Holder = "farm-a", LeaseTtl = TimeSpan.FromMinutes(2) }, Time, (_, _) => Task.FromResult(false));
        HandsOn = new HandsOnReservations(new HandsOnStores(Store, Store, Store, Store, Store), Cells, service,
            new HandsOnMachines(pool, Profiles, "build-1", Provisioner) { Clusters = Clusters }, new HandsOnOptions(), Time);
        await Cells.StartAsync(CancellationToken.None);
        await HandsOn.StartAsync(CancellationToken.None);
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await OpenAsync();
    }

    public Task<HandsOnReservation> AskAsync(string owner, int count, string duration = "01:00:00") => AskAsync(owner, new HandsOnAsk
    {
        Profile = "x86", Count = count, Duration = duration, Reason = "debug a flaky NIC",
    });

    public async Task<HandsOnReservation> AskAsync(string owner, HandsOnAsk ask)
    {
        var (r, errors) = await HandsOn.CreateAsync(ask, owner, admin: false, CancellationToken.None);
        Assert.That(errors, Is.Empty);
        return r!;
    }

    /// <summary>
    /// Reads the reservation until <paramref name="done"/> holds, moving fake time on by <paramref name="step"/> (none: the
    /// clock stands) between looks; bounded by 20 s of real time.
    /// </summary>
    public async Task<HandsOnReservation> UntilAsync(string id, Func<HandsOnReservation, bool> done, TimeSpan? step = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var r = (await Store.GetHandsOnAsync(id))!;
            if (done(r)) return r;
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail($"reservation {id} did not get there: {r}");
            if (step is { } s) Time.Advance(s);
            await FakeTimeProvider.LetQueuedWorkRunAsync();
            await Task.Delay(10);
        }
    }

    /// <summary>Records a failed cell of build <c>build-7</c> on <paramref name="machines"/> (x86) in run <paramref name="runId"/>.</summary>
    public async Task RecordFailedCellAsync(string runId, string cellId, IReadOnlyList<string> machines)
    {
        await Store.StartRunAsync(runId, "nightly", "manual");
        await Store.RecordCellAsync(runId, new Core.Results.CellResult
        {
            CellId = cellId, Plan = "nightly", Profile = "x86", Arch = "amd64", Topology = $"{machines.Count}x", BuildId = "build-7",
            Verdict = Core.Results.Verdict.Failed, Machines = machines,
        });
    }

    /// <summary>
    /// Stops the farm, lets <paramref name="down"/> pass on the clock, reaps expired leases as any instance's reaper would
    /// meanwhile, and starts the farm again on the same file. Returns what the reaper took.
    /// </summary>
    public async Task<IReadOnlyList<Core.Leases.Lease>> RestartAfterAsync(TimeSpan down)
    {
        await StopAsync();
        Time.Advance(down);
        var reaped = await Store.ReapExpiredAsync();
        await OpenAsync();
        return reaped;
    }

    /// <summary>Reads lease <paramref name="id"/> until <paramref name="done"/> holds (the driver writes it asynchronously); bounded by 20 s.</summary>
    public async Task<Core.Leases.Lease> LeaseUntilAsync(string id, Func<Core.Leases.Lease, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var lease = (await Store.GetLeaseAsync(id))!;
            if (done(lease)) return lease;
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail($"lease {id} did not get there: {lease}");
            await FakeTimeProvider.LetQueuedWorkRunAsync();
            await Task.Delay(10);
        }
    }

    private async Task StopAsync()
    {
        await HandsOn.StopAsync(CancellationToken.None);
        await Cells.StopAsync(CancellationToken.None);
        HandsOn.Dispose();
        Cells.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }
}
