using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using TestFarm.Server.Hosting;
using TestFarm.Server.Runs;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>The Quartz jobs of <c>serve</c>: a plan's nightly cron triggers it; the cleaner returns machines left in Cleaning.</summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ServeJobsTests
{
    [Test]
    public async Task The_nightly_job_of_a_plan_triggers_a_run_of_it(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        using var api = await fixture.StartInProcessAsync(ServeFixture.Options(fixture.Config,
            new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-j"), backend, ct);
        var scheduler = await api.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(ct);
        var trigger = await scheduler.GetTrigger(new TriggerKey("plan-lab-smoke-cron", "testfarm-nightly"), ct);
        Assert.That(trigger, Is.InstanceOf<ICronTrigger>());
        Assert.That(((ICronTrigger)trigger!).CronExpressionString, Is.EqualTo("0 0 3 * * ?"), "the cron comes from the plan's trigger");

        // Fire it now instead of waiting for 03:00.
        await scheduler.TriggerJob(NightlyPlanJob.KeyFor("lab-smoke"), ct);
        await backend.Reimaging.Task.WaitAsync(ct);
        var run = (await api.GetAsync("/api/v1/runs")).AsArray().Single()!;
        Assert.That(run["plan"]!.GetValue<string>(), Is.EqualTo("lab-smoke"));
        Assert.That(run["trigger"]!.GetValue<string>(), Does.StartWith("nightly (cron"));
        backend.Open();
        Assert.That((await api.WaitForRunEndAsync(run["id"]!.GetValue<string>(), TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"), "the gated backend deploys no cluster");
    }

    [Test]
    public async Task The_cleaner_cleans_a_repaired_machine_and_returns_it_to_the_pool(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-c")
            with { CleaningGrace = TimeSpan.Zero, CleanerInterval = TimeSpan.FromMilliseconds(200) };
        using var api = await fixture.StartInProcessAsync(options, backend, ct);

        var (status, _, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/drain", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/repair", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        await api.WaitUntilAsync("/api/v1/machines/m1", m => m["machine"]!["state"]!.GetValue<string>() == "Available", TimeSpan.FromSeconds(20), ct);
        Assert.That(backend.Cleaned, Is.EqualTo(1), "the machine was cleaned before it went back");
        var events = (await api.GetAsync("/api/v1/machines/m1"))["events"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>());
        Assert.That(events, Does.Contain("cleaned by the farm's cleaner"));
    }

    [Test]
    public async Task Health_rounds_run_on_schedule_grade_a_machine_whose_bmc_is_gone_and_keep_each_verdict(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        backend.BmcFleet.For("m1").Unreachable = true;
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-h")
            with { HealthChecks = new TestFarm.Provisioning.Health.HealthCheckOptions { Interval = TimeSpan.FromMilliseconds(200), QuarantineAfter = 2 } };
        using var api = await fixture.StartInProcessAsync(options, backend, ct);

        var m1 = await api.WaitUntilAsync("/api/v1/machines/m1", m => m["machine"]!["state"]!.GetValue<string>() == "Quarantined", TimeSpan.FromSeconds(20), ct);
        var rounds = m1["rounds"]!.AsArray();
        Assert.That(rounds.Count, Is.GreaterThanOrEqualTo(2));
        Assert.That(rounds[0]!["health"]!["grade"]!.GetValue<string>(), Is.EqualTo("Quarantined"));
        Assert.That(rounds[0]!["health"]!["blamed"]!.GetValue<string>(), Is.EqualTo("Bmc"));
        Assert.That(rounds[0]!["checks"]![0]!["check"]!.GetValue<string>(), Is.EqualTo("bmc-reachable"));
        Assert.That(m1["health"]!.AsArray().Select(e => e!["to"]!.GetValue<string>()), Is.EqualTo(new[] { "Suspect", "Quarantined" }));
        var m2 = await api.GetAsync("/api/v1/machines/m2");
        Assert.That(m2["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("Available"), "its BMC answers");
    }

    [Test]
    public async Task The_cell_of_a_lease_whose_holder_went_silent_ends_infra_error_naming_the_phase(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var db = Path.Combine(fixture.Root, "farm.db");
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-r") with { ReaperInterval = TimeSpan.FromSeconds(1) };
        using var api = await fixture.StartInProcessAsync(options, backend, ct);
        // Another instance held m1 for a cell of its run, then died in the reimage phase.
        var store = api.App.Services.GetRequiredService<TestFarm.Storage.Sql.SqlFarmStore>();
        const string request = "dead-run/lab-smoke/epyc/one";
        await store.StartRunAsync("dead-run", "lab-smoke", "manual", ct);
        await store.EnqueueAsync(new TestFarm.Core.Scheduling.ReservationRequest
        {
            Id = request, Plan = "lab-smoke", Profile = "epyc-9354-e810",
            Topology = new TestFarm.Core.Plans.Topology { Name = "one", Roles = [new TestFarm.Core.Plans.TopologyRole { Name = "node", Count = 1 }] },
        }, ct);
        var lease = (await store.ClaimMachinesAsync("dead-instance", request, ["m1"], TimeSpan.FromMilliseconds(200), ct)).Lease!;
        await store.SetStateAsync(request, TestFarm.Core.Leases.RequestState.Granted, "granted", lease.Id, ct);
        await store.TransitionAsync("m1", TestFarm.Core.Machines.MachineState.Provisioning, "reimage", ct);

        var ended = await api.WaitUntilAsync("/api/v1/leases?all=true", l => l.AsArray().Any(x => x!["state"]!.GetValue<string>() == "Reaped"), TimeSpan.FromSeconds(20), ct);
        Assert.That(ended.AsArray().Single()!["holder"]!.GetValue<string>(), Is.EqualTo("dead-instance"));
        var view = await api.WaitUntilAsync("/api/v1/runs/dead-run", r => r["cells"]!.AsArray().Any(c => c!["verdict"] is not null), TimeSpan.FromSeconds(20), ct);
        Assert.That(view["cells"]!.AsArray().Single()!["verdict"]!.GetValue<string>(), Is.EqualTo("InfraError"));
        var cell = (await store.GetRunAsync("dead-run", ct))!.Cells.Single();
        Assert.That(cell.Verdict, Is.EqualTo(TestFarm.Core.Results.Verdict.InfraError));
        Assert.That(cell.Phases.Single().Error, Does.StartWith("lease expired in phase reimage").And.Contain("holder dead-instance"));
        var queued = (await store.ListAsync(ct: ct)).Single(q => q.Request.Id == request);
        Assert.That(queued.State, Is.EqualTo(TestFarm.Core.Leases.RequestState.Done));
    }

    [Test]
    public async Task Options_that_cannot_work_are_refused_at_start_each_naming_its_option(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Postgres }, "serve-x") with
        {
            Tokens = [], Listen = new Uri("https://127.0.0.1:0"), MaxParallelCells = 0, HeartbeatInterval = TimeSpan.FromMinutes(5),
        };
        var ex = Assert.ThrowsAsync<FarmServerConfigException>(() => FarmServer.BuildAsync(options, null, ct: ct));
        Assert.That(ex!.Errors, Has.Some.StartWith("listen: only http://"));
        Assert.That(ex.Errors, Has.Some.StartWith("db: postgres needs a connection string"));
        Assert.That(ex.Errors, Has.Some.StartWith("tokens: no API token"));
        Assert.That(ex.Errors, Has.Some.EqualTo("MaxParallelCells must be 1 to 64, was 0"));
        Assert.That(ex.Errors, Has.Some.StartWith("HeartbeatInterval (00:05:00) must be shorter than LeaseTtl"));
    }
}
