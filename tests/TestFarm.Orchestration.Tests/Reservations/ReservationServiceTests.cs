using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.Reservations;

public sealed class ReservationServiceTests
{
    [Test]
    public async Task Submitted_requests_are_admitted_scheduled_by_priority_claimed_and_completed()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        var service = new ReservationService(Scheduler(), store, store, store, time);
        await service.RegisterPoolAsync(Pool(4));

        var now = time.GetUtcNow();
        Assert.That((await service.SubmitAsync(Request("nightly-1", 3, PriorityClass.Nightly, now))).Admitted, Is.True);
        Assert.That((await service.SubmitAsync(Request("pr-1", 2, PriorityClass.PullRequest, now))).Admitted, Is.True);
        var impossible = await service.SubmitAsync(Request("huge", 9, PriorityClass.Manual, now));
        Assert.That(impossible.Reasons.Single(), Does.Contain("never satisfiable").And.Contain("needs 9× node"));

        var granted = await service.ScheduleAsync("farm-a", TimeSpan.FromMinutes(5));
        Assert.That(granted.Select(g => g.Request.Id), Is.EqualTo(new[] { "pr-1" }));
        var status = await service.QueueStatusAsync();
        Assert.That(status.Single().RequestId, Is.EqualTo("nightly-1"));
        Assert.That(status.Single().BlockingReason, Does.Contain("needs 3× node [profile=x86]; 4 healthy (2 free)"));
        Assert.That(status.Single().Eta, Is.EqualTo(now + TimeSpan.FromHours(1)));

        await service.CompleteAsync(granted[0], "farm-a", "cell passed");
        foreach (var id in granted[0].Lease.Machines) await store.TransitionAsync(id, MachineState.Available, "wiped");
        var next = await service.ScheduleAsync("farm-a", TimeSpan.FromMinutes(5));
        Assert.That(next.Select(g => g.Request.Id), Is.EqualTo(new[] { "nightly-1" }));
        var requests = await store.ListAsync();
        Assert.That(requests.Select(r => (r.Request.Id, r.State)), Is.EquivalentTo(new[]
        {
            ("nightly-1", RequestState.Granted), ("pr-1", RequestState.Done), ("huge", RequestState.Rejected),
        }));
    }

    private sealed class ReapSignal : IReapedLeaseHandler
    {
        public TaskCompletionSource<IReadOnlyList<Lease>> Reaped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task OnReapedAsync(IReadOnlyList<Lease> reaped, CancellationToken ct)
        {
            if (reaped.Count > 0) Reaped.TrySetResult(reaped);
            return Task.CompletedTask;
        }
    }

    [Test]
    public async Task The_quartz_reaper_job_reaps_expired_leases_in_the_host()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        await store.RegisterAsync([new MachineRegistration("m0", "x86")]);
        var lease = (await store.ClaimMachinesAsync("farm-a", "r1", ["m0"], TimeSpan.FromMinutes(1))).Lease!;
        time.Advance(TimeSpan.FromMinutes(2));

        var signal = new ReapSignal();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ILeaseStore>(store);
        builder.Services.AddSingleton<IReapedLeaseHandler>(signal);
        builder.Services.AddLeaseReaper(new ReservationSchedulerOptions { ReaperInterval = TimeSpan.FromHours(1) });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var reaped = await signal.Reaped.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(reaped.Single().Id, Is.EqualTo(lease.Id));
            Assert.That((await store.ListMachinesAsync()).Single().State, Is.EqualTo(MachineState.Cleaning));
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            Assert.That(await scheduler.GetJobDetail(LeaseReaperJob.Key) is not null, Is.True);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
