using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.Reservations;

public sealed class DurationHistoryTests
{
    private static CellResult Cell(string id, Verdict verdict, params (string Phase, int Minutes)[] phases) => new()
    {
        CellId = id, Plan = "nightly", Profile = "x86", Arch = "amd64", Topology = "n2", Verdict = verdict,
        Phases = [.. phases.Select(p => new PhaseTiming { Phase = p.Phase, Duration = TimeSpan.FromMinutes(p.Minutes) })],
    };

    [Test]
    public async Task The_queue_eta_follows_the_median_hold_of_the_stores_finished_cells_once_the_history_is_read_again()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        var service = ReservationService.OverStore(store, Profiles, new Core.Scheduling.PolicyOptions { Headroom = 0, PeakHeadroom = 0 }, time);
        await service.RegisterPoolAsync(Pool(4));
        var now = time.GetUtcNow();
        await service.SubmitAsync(Request("running", 2, PriorityClass.Nightly, now));
        var granted = await service.ScheduleAsync("farm-a", TimeSpan.FromMinutes(30));
        Assert.That(granted.Single().Request.Id, Is.EqualTo("running"));
        await service.SubmitAsync(Request("head", 4, PriorityClass.Nightly, now));

        var before = (await service.QueueStatusAsync()).Single();
        Assert.That(before.Eta, Is.EqualTo(now + TimeSpan.FromHours(1)), "no history: the request's own estimate");

        await store.StartRunAsync("old", "nightly", "nightly");
        // Held 20, 30 and 40 min; the hours waited for machines are no hold; an infra error says nothing of the product's time.
        await store.RecordCellAsync("old", Cell("c1", Verdict.Passed, ("reserve", 600), ("reimage", 5), ("suites", 15)));
        await store.RecordCellAsync("old", Cell("c2", Verdict.Failed, ("reimage", 10), ("suites", 20)));
        await store.RecordCellAsync("old", Cell("c3", Verdict.Flaky, ("reimage", 10), ("suites", 30)));
        await store.RecordCellAsync("old", Cell("c4", Verdict.InfraError, ("reimage", 900)));

        Assert.That((await service.QueueStatusAsync()).Single().Eta, Is.EqualTo(now + TimeSpan.FromHours(1)), "read at most every few minutes");
        time.Advance(ReservationService.HistoryRefresh);
        Assert.That((await service.QueueStatusAsync()).Single().Eta, Is.EqualTo(now + TimeSpan.FromMinutes(30)), "the median of 20, 30 and 40 min");
        Assert.That(await store.CellDurationsAsync("nightly", "x86"), Is.EquivalentTo(new[] { 20, 30, 40 }.Select(m => TimeSpan.FromMinutes(m))));
    }

    [Test]
    public async Task Without_history_a_cell_is_expected_to_hold_its_machines_for_its_plans_phase_deadlines_after_the_wait()
    {
        var plan = new Plan
        {
            Name = "nightly", Priority = PriorityClass.Nightly,
            Trigger = new PlanTrigger { Kind = TriggerKind.Nightly }, Matrix = new PlanMatrix(),
            Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" },
            Timeouts = new Dictionary<string, TimeSpan> { ["reserve"] = TimeSpan.FromHours(12), ["suites"] = TimeSpan.FromHours(1) },
        };
        // reimage 30 + deploy 60 + addons 20 (defaults) + suites 60 (the plan's) + clean 30 + release 5; the 12 h wait is no hold.
        Assert.That(PipelinePhases.LongestHold(plan), Is.EqualTo(TimeSpan.FromMinutes(30 + 60 + 20 + 60 + 30 + 5)));

        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        var service = ReservationService.OverStore(store, Profiles, new Core.Scheduling.PolicyOptions(), time);
        var pool = Pool(2);
        await service.RegisterPoolAsync(pool);
        using var reservations = new StoreCellReservations(service, new ReservationStores(store, store, store), pool, Profiles,
            new ReservationSettings { Holder = "farm-a" }, time, (_, _) => Task.FromResult(false));
        var cell = new MatrixCell
        {
            Id = "nightly/x86/n2", Plan = "nightly", Profile = "x86",
            Topology = new Topology { Name = "n2", Roles = [new TopologyRole { Name = "node", Count = 2 }] },
        };
        await reservations.ForRun("run-1").ReserveAsync(cell, plan, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var queued = (await store.ListAsync()).Single();
        Assert.That(queued.Request.EstimatedDuration, Is.EqualTo(PipelinePhases.LongestHold(plan)));
    }
}
