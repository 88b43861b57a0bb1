using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Results;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

public sealed class RunStoreTests
{
    [Test]
    public async Task Runs_cells_and_results_round_trip_and_feed_duration_history()
    {
        using var dir = new TempDirectory();
        using var sp = new ServiceCollection().AddSingleton<TimeProvider>(new FakeTimeProvider())
            .AddTestFarmStorage(new StorageOptions { SqlitePath = dir.File("farm.db") }).BuildServiceProvider();
        var runs = sp.GetRequiredService<IRunStore>();
        await runs.StartRunAsync("run-1", "nightly", "nightly");
        var cell = new CellResult
        {
            CellId = "nightly/x86/3n", Plan = "nightly", Profile = "x86", Arch = "amd64", Topology = "3n", Verdict = Verdict.Failed,
            Tests = [new TestResult { TestId = "t1", Name = "dns", Suite = "conformance", Verdict = Verdict.Failed, Message = "timeout" }],
            Phases = [new PhaseTiming { Phase = "deploy", Duration = TimeSpan.FromMinutes(20) }, new PhaseTiming { Phase = "suites", Duration = TimeSpan.FromMinutes(40) }],
        };
        await runs.RecordCellAsync("run-1", cell);
        await runs.RecordCellAsync("run-1", cell with { Verdict = Verdict.Flaky });
        await runs.FinishRunAsync("run-1");
        var run = await runs.GetRunAsync("run-1");
        Assert.That(run!.Cells.Single().Verdict, Is.EqualTo(Verdict.Flaky));
        Assert.That(run.Cells.Single().Tests.Single().Message, Is.EqualTo("timeout"));
        Assert.That(await runs.CellDurationsAsync("nightly", "x86"), Is.EqualTo(new[] { TimeSpan.FromHours(1) }));
        var events = await sp.GetRequiredService<IEventLog>().ReadAsync("run-1");
        Assert.That(events.Select(e => e.To), Is.EqualTo(new[] { "Running", "Finished" }));
    }
}
