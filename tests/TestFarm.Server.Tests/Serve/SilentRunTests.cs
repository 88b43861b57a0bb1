using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Leases;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>Runs are held by the instance executing them; one that stops beating is taken for dead.</summary>
public sealed class SilentRunTests
{
    private static ReservationRequest Cell(string runId) => new()
    {
        Id = $"{runId}/nightly/x86/1cp", Plan = "nightly", Profile = "x86",
        Topology = new Topology { Name = "1cp", Roles = [new TopologyRole { Name = "control-plane", Count = 1 }] },
    };

    [Test]
    public async Task A_run_whose_instance_stopped_beating_ends_failed_naming_it_and_its_waiting_cells_are_withdrawn()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        var store = await SqlFarmStore.OpenSqliteAsync(dir.File("farm.db"), time);
        foreach (var (run, owner) in new[] { ("r-dead", "serve-a"), ("r-live", "serve-b"), ("r-done", "serve-b") })
        {
            await store.StartRunAsync(run, "nightly", "test");
            Assert.That(await store.BeatRunAsync(run, owner), Is.True);
        }
        await store.EnqueueAsync(Cell("r-dead"));
        await store.EnqueueAsync(Cell("r-live"));
        await store.FinishRunAsync("r-done");
        time.Advance(TimeSpan.FromSeconds(40));
        Assert.That(await store.BeatRunAsync("r-live", "serve-b"), Is.True);
        Assert.That(await store.BeatRunAsync("r-live", "serve-c"), Is.False, "a run is held by one instance");
        time.Advance(TimeSpan.FromSeconds(30));
        await using var fixture = new ServeFixture();
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = dir.File("farm.db") }, "serve-b") with { LeaseTtl = TimeSpan.FromMinutes(1) };
        var job = new SilentRunJob(store, options, time, NullLogger<SilentRunJob>.Instance);

        Assert.That(await job.SweepAsync(CancellationToken.None), Is.EqualTo(new[] { "r-dead" }), "70 s silent with a 60 s TTL; r-live beat 30 s ago; r-done finished");

        var end = (await store.ReadAsync("r-dead")).Last(e => e.Kind == RunEvents.Kind);
        Assert.That(end.To, Is.EqualTo(RunEvents.Failed));
        Assert.That(end.Reason, Does.StartWith("instance serve-a stopped beating for it at 2026-01-01 00:00:00Z (70 s ago, lease TTL 60 s): taken for dead"));
        var requests = (await store.ListAsync()).ToDictionary(r => r.Request.Id);
        Assert.That((requests[Cell("r-dead").Id].State, requests[Cell("r-dead").Id].Reason),
            Is.EqualTo((RequestState.Cancelled, (string?)"its run was ended: instance serve-a stopped beating")));
        Assert.That(requests[Cell("r-live").Id].State, Is.EqualTo(RequestState.Queued));
        Assert.That((await store.ReadAsync("r-live")).Select(e => e.To), Has.None.EqualTo(RunEvents.Failed));

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.That(await job.SweepAsync(CancellationToken.None), Is.EqualTo(new[] { "r-live" }), "r-live fell silent too; r-dead is not ended twice");
        Assert.That((await store.ReadAsync("r-dead")).Count(e => e.To == RunEvents.Failed), Is.EqualTo(1));
    }
}
