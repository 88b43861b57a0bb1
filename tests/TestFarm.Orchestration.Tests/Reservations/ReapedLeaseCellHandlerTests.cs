using TestFarm.Orchestration.Adapters;
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
public sealed class ReapedLeaseCellHandlerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(SqlFarmStore Store, ReservationService Service)> SetUpAsync()
    {
        var store = await SqlFarmStore.OpenSqliteAsync(_dir.File("farm.db"), _time);
        var service = new ReservationService(Scheduler(), store, store, store, _time);
        await service.RegisterPoolAsync(Pool(2));
        await store.StartRunAsync("run-1", "nightly", "manual");
        Assert.That((await service.SubmitAsync(Request("run-1/cell-a", 2, PriorityClass.Nightly, _time.GetUtcNow()))).Admitted, Is.True);
        return (store, service);
    }

    private async Task<IReadOnlyList<Lease>> GrantAndExpireAsync(SqlFarmStore store, ReservationService service)
    {
        var granted = await service.ScheduleAsync("farm-a", TimeSpan.FromMinutes(1));
        Assert.That(granted.Select(g => g.Request.Id), Is.EqualTo(new[] { "run-1/cell-a" }));
        _time.Advance(TimeSpan.FromMinutes(2));
        var reaped = await store.ReapExpiredAsync();
        Assert.That(reaped.Select(l => l.Id), Is.EqualTo(new[] { granted[0].Lease.Id }));
        return reaped;
    }

    [Test]
    public async Task A_reaped_cell_becomes_infra_error_naming_the_phase_it_was_in_with_an_audit_event()
    {
        var (store, service) = await SetUpAsync();
        var handler = new ReapedLeaseCellHandler(store, store, store, Profiles, new ReapedLeaseOptions(), _time);
        var granted = await service.ScheduleAsync("farm-a", TimeSpan.FromMinutes(1));
        await store.AppendAsync(CellPhaseEvent.Of("run-1/cell-a", null, "deploy", CellPhaseEvent.Started, "phase started", _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(2));
        var reaped = await store.ReapExpiredAsync();

        await handler.OnReapedAsync(reaped, CancellationToken.None);

        var request = (await store.ListAsync()).Single();
        Assert.That(request.State, Is.EqualTo(RequestState.Done));
        Assert.That(request.Reason, Does.StartWith("lease expired in phase deploy").And.Contain("no heartbeat").And.Contain("holder farm-a"));
        var cell = (await store.GetRunAsync("run-1"))!.Cells.Single();
        Assert.That((cell.CellId, cell.Verdict, cell.Arch), Is.EqualTo(("cell-a", Verdict.InfraError, "amd64")));
        Assert.That(cell.Phases.Single().Phase, Is.EqualTo("deploy"));
        Assert.That(cell.Phases.Single().Succeeded, Is.False);
        Assert.That(cell.Machines, Is.EquivalentTo(granted[0].Lease.Machines));
        var audit = (await store.ReadAsync("run-1/cell-a")).Single(e => e.Kind == ReapedLeasePolicy.EventKind && e.LeaseId is not null);
        Assert.That((audit.From, audit.To, audit.LeaseId), Is.EqualTo(((string?)"Granted", "InfraError", (string?)granted[0].Lease.Id)));
        Assert.That(audit.Reason, Does.StartWith("lease expired in phase deploy"));
        Assert.That((await store.ListMachinesAsync()).Select(m => m.State), Is.All.EqualTo(MachineState.Cleaning));
    }

    [Test]
    public async Task A_plan_set_to_requeue_goes_back_to_the_queue_once_then_becomes_infra_error()
    {
        var (store, service) = await SetUpAsync();
        var options = new ReapedLeaseOptions { Plans = new Dictionary<string, ReapedLeaseAction> { ["nightly"] = ReapedLeaseAction.Requeue }, MaxRequeues = 1 };
        var handler = new ReapedLeaseCellHandler(store, store, store, Profiles, options, _time);

        await handler.OnReapedAsync(await GrantAndExpireAsync(store, service), CancellationToken.None);
        var requeued = (await store.ListAsync()).Single();
        Assert.That(requeued.State, Is.EqualTo(RequestState.Queued));
        Assert.That(requeued.Reason, Does.StartWith("requeued: lease expired in phase reserve"), "no phase recorded: the machines were still Reserved");
        Assert.That((await store.GetRunAsync("run-1"))!.Cells, Is.Empty);

        foreach (var m in await store.ListMachinesAsync()) await store.TransitionAsync(m.Id, MachineState.Available, "cleaned");
        await handler.OnReapedAsync(await GrantAndExpireAsync(store, service), CancellationToken.None);
        var ended = (await store.ListAsync()).Single();
        Assert.That(ended.State, Is.EqualTo(RequestState.Done));
        Assert.That(ended.Reason, Does.Contain("already requeued 1 time(s)"));
        Assert.That((await store.GetRunAsync("run-1"))!.Cells.Single().Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That((await store.ReadAsync("run-1/cell-a")).Where(e => e.Kind == ReapedLeasePolicy.EventKind && e.LeaseId is not null).Select(e => e.To),
            Is.EqualTo(new[] { "Queued", "InfraError" }));
    }

    [Test]
    public void The_policy_refuses_a_lease_that_was_not_reaped()
    {
        var lease = new Lease
        {
            Id = "l1", Holder = "farm-a", RequestId = "run-1/cell-a", Machines = ["m0"], Ttl = TimeSpan.FromMinutes(1),
            GrantedAt = _time.GetUtcNow(), ExpiresAt = _time.GetUtcNow().AddMinutes(1),
        };
        Assert.That(() => ReapedLeasePolicy.Decide(lease, "nightly", "deploy", 0, new ReapedLeaseOptions()),
            Throws.ArgumentException.With.Message.Contains("lease l1 is Active, not Reaped"));
    }
}
