using Microsoft.Extensions.DependencyInjection;
using Quartz;
using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Health;
using TestFarm.Provisioning.Reimage;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;
using TestFarm.Testing.Storage;

namespace TestFarm.Provisioning.Tests;

/// <summary>The scheduled health rounds: graduated grades moved into the store, and the Quartz job that runs them.</summary>
public sealed class HealthScheduleTests : FaultTestBase
{
    private sealed class OneBmc(IBmcClient bmc) : IBmcClientFactory
    {
        public IBmcClient Create(PoolMachine machine) => bmc;
    }

    private static HealthTarget Target(string id) =>
        new(ProvisioningSamples.Machine(id, "52:54:00:00:00:" + id[^1..].PadLeft(2, '0')), ProvisioningSamples.QemuProfile);

    private async Task<InMemoryFarmStore> StoreAsync(params (string Id, MachineState State)[] machines)
    {
        var store = new InMemoryFarmStore(Time);
        await store.RegisterAsync([.. machines.Select(m => new MachineRegistration(m.Id, ProvisioningSamples.QemuProfile.Name))]);
        foreach (var (id, state) in machines.Where(m => m.State != MachineState.Available))
        {
            if (state == MachineState.Reserved) await store.ClaimMachinesAsync("other-farm", "r1", [id], TimeSpan.FromHours(1));
            else
            {
                if (state == MachineState.Cleaning) await store.TransitionAsync(id, MachineState.Suspect, "test setup");
                await store.TransitionAsync(id, state, "test setup");
            }
        }
        return store;
    }

    private HealthRound Round(InMemoryFarmStore store, HealthLedger ledger, params string[] ids) =>
        new(store, new StaticHealthTargets([.. ids.Select(Target)]), new OneBmc(Bmc), new HealthChecker(Reimager, Time), ledger,
            new HealthCheckOptions { QuarantineAfter = 3, ReadmitAfter = 2 });

    private static async Task<MachineState> StateAsync(InMemoryFarmStore store, string id) => (await store.ListMachinesAsync()).Single(m => m.Id == id).State;

    [Test]
    public async Task Failures_make_a_machine_suspect_then_quarantined_blaming_the_bmc_and_passes_readmit_it_through_cleaning()
    {
        var store = await StoreAsync(("m1", MachineState.Available));
        var ledger = new HealthLedger();
        var round = Round(store, ledger, "m1");
        Bmc.Unreachable = true;

        var states = new List<MachineState>();
        for (var i = 0; i < 3; i++) { await Drive(round.RunAsync()); states.Add(await StateAsync(store, "m1")); }

        Assert.That(states, Is.EqualTo(new[] { MachineState.Suspect, MachineState.Suspect, MachineState.Quarantined }));
        Assert.That(ledger.Of("m1").Blamed, Is.EqualTo(HealthComponent.Bmc));
        var moves = store.Events.Where(e => e.Subject == "m1" && e.From is not null).Select(e => $"{e.From}->{e.To}: {e.Reason}").ToList();
        Assert.That(moves[0], Does.StartWith("Available->Suspect: health: failed, blamed Bmc: bmc-reachable"));
        Assert.That(moves[1], Does.StartWith("Suspect->Quarantined: health: 3 consecutive failed rounds, blamed Bmc: bmc-reachable"));

        Bmc.Unreachable = false;
        await Drive(round.RunAsync());
        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Quarantined), "one pass is not enough (M = 2)");
        var last = await Drive(round.RunAsync());
        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Cleaning), "M passes re-admit through Cleaning");
        Assert.That(last.Single().Checks.Select(c => c.Check), Is.EqualTo(new[] { "bmc-reachable", "power-cycle", "inventory" }), "a quarantined machine gets the full checks");
        Assert.That(store.Events[^1].Reason, Does.StartWith("health: 2 passing round(s)"));
        Assert.That(ledger.Rounds, Is.EqualTo(5));
    }

    [Test]
    public async Task Held_and_cleaning_machines_are_left_alone_and_available_ones_are_not_power_cycled()
    {
        var store = await StoreAsync(("m1", MachineState.Available), ("m2", MachineState.Reserved), ("m3", MachineState.Cleaning));
        var round = Round(store, new HealthLedger(), "m1", "m2", "m3");

        var results = await Drive(round.RunAsync());

        Assert.That(results.Select(r => r.MachineId), Is.EqualTo(new[] { "m1" }));
        Assert.That(results[0].Checks.Select(c => c.Check), Is.EqualTo(new[] { "bmc-reachable", "inventory" }));
        Assert.That(Bmc.Calls, Has.None.StartsWith("Reset"), "an Available machine may be reserved at any moment: no power cycle");
        Assert.That(await StateAsync(store, "m2"), Is.EqualTo(MachineState.Reserved));
    }

    [Test]
    public async Task A_machine_repaired_by_an_operator_starts_healthy_again()
    {
        var store = await StoreAsync(("m1", MachineState.Available));
        var ledger = new HealthLedger();
        var round = Round(store, ledger, "m1");
        Bmc.Unreachable = true;
        for (var i = 0; i < 3; i++) await Drive(round.RunAsync());
        Assert.That(ledger.Of("m1").Grade, Is.EqualTo(HealthGrade.Quarantined));

        await store.TransitionAsync("m1", MachineState.Cleaning, "repaired by alice: new BMC");
        await store.TransitionAsync("m1", MachineState.Available, "cleaned");
        await Drive(round.RunAsync());

        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Suspect), "one new failure: Suspect, not straight back to Quarantined");
        Assert.That(ledger.Of("m1").ConsecutiveFailures, Is.EqualTo(1));
    }

    [Test]
    public async Task With_a_history_every_verdict_is_kept_and_a_restarted_farm_counts_on_from_the_last_round()
    {
        var store = await StoreAsync(("m1", MachineState.Available));
        HealthRound Fresh() => new(store, new StaticHealthTargets([Target("m1")]), new OneBmc(Bmc), new HealthChecker(Reimager, Time), new HealthLedger(),
            new HealthCheckOptions { QuarantineAfter = 3, ReadmitAfter = 2 }, history: store, time: Time);
        Bmc.Unreachable = true;
        await Drive(Fresh().RunAsync());
        Time.Advance(TimeSpan.FromMinutes(10));
        await Drive(Fresh().RunAsync());
        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Suspect));

        // A third round by a new ledger (the farm restarted, or another instance runs the job): failure 3 of 3.
        Time.Advance(TimeSpan.FromMinutes(10));
        await Drive(Fresh().RunAsync());
        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Quarantined), "the kept count carried over");

        var history = await store.ReadHealthAsync("m1");
        Assert.That(history.Select(h => (h.Health.Grade, h.Health.ConsecutiveFailures)), Is.EqualTo(new[]
        {
            (HealthGrade.Quarantined, 3), (HealthGrade.Suspect, 2), (HealthGrade.Suspect, 1),
        }));
        Assert.That(history[0].Health.Blamed, Is.EqualTo(HealthComponent.Bmc));
        Assert.That(history[0].Checks.Single().Check, Is.EqualTo("bmc-reachable"));
        Assert.That(history[0].At - history[2].At, Is.EqualTo(TimeSpan.FromMinutes(20)));
    }

    [Test]
    public async Task A_machine_reserved_while_its_round_ran_is_not_taken_from_its_lease()
    {
        var store = await StoreAsync(("m1", MachineState.Available));
        var round = Round(store, new HealthLedger(), "m1");
        Bmc.Unreachable = true;
        store.BeforeMove = async id => await store.ClaimMachinesAsync("farm-a", "r1", [id], TimeSpan.FromHours(1));

        var result = (await Drive(round.RunAsync())).Single();

        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Reserved), "the verdict was about an Available machine; it is reserved now");
        Assert.That(result.After, Is.EqualTo(MachineState.Available));
        Assert.That((await store.ListLeasesAsync(activeOnly: true)).Single().Machines, Is.EqualTo(new[] { "m1" }));
    }

    [Test]
    public void Unusable_options_are_refused_at_registration_naming_key_and_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddFarmHealthChecks(new HealthCheckOptions { Interval = TimeSpan.FromMilliseconds(10), QuarantineAfter = 0 }));
        Assert.That(e!.Message, Does.Contain("Interval must be at least 100ms, was 10ms").And.Contain("QuarantineAfter must be at least 1, was 0"));
    }

    [Test, CancelAfter(30_000)]
    public async Task The_quartz_job_runs_rounds_at_the_interval_on_a_ram_job_store(CancellationToken cancellationToken)
    {
        var store = await StoreAsync(("m1", MachineState.Available));
        Bmc.Unreachable = true;
        var services = new ServiceCollection();
        services.AddSingleton<IMachineStore>(store);
        services.AddSingleton<IBmcClientFactory>(new OneBmc(Bmc));
        services.AddSingleton<IHealthTargets>(new StaticHealthTargets([Target("m1")]));
        services.AddSingleton(new HealthChecker(new Reimager(new BootSessions(TimeProvider.System), new BootServiceOptions { PublicBaseUrl = new Uri("http://10.0.2.2:1") }, Policy, TimeProvider.System), TimeProvider.System));
        services.AddFarmHealthChecks(new HealthCheckOptions { Interval = TimeSpan.FromMilliseconds(200), QuarantineAfter = 2 });
        services.AddQuartz(q => q.UseInMemoryStore(_ => { }));
        await using var provider = services.BuildServiceProvider();
        var ledger = provider.GetRequiredService<HealthLedger>();
        var twoRounds = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.RoundCompleted += _ => { if (ledger.Rounds >= 2) twoRounds.TrySetResult(); };

        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken);
        await scheduler.Start(cancellationToken);
        try
        {
            await twoRounds.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
        }
        finally
        {
            await scheduler.Shutdown(waitForJobsToComplete: true, CancellationToken.None);
        }

        Assert.That(await StateAsync(store, "m1"), Is.EqualTo(MachineState.Quarantined), "two failed rounds with N = 2");
        Assert.That(store.Events.Where(e => e.Subject == "m1" && e.From is not null).Select(e => e.To), Is.EqualTo(new[] { "Suspect", "Quarantined" }));
    }
}
