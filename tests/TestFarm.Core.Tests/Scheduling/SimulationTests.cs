using TestFarm.Core.Scheduling;
using TestFarm.Core.Scheduling.Simulation;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>The targets on the simulated week (the same trace through both policies), as the bench prints them.</summary>
public sealed class SimulationTests
{
    [TestCase(1)]
    [TestCase(2)]
    public void Farm_policy_serves_pull_requests_at_most_half_the_fifo_p95_wait_within_ten_percent_of_the_lower_bound(int seed)
    {
        var trace = SimTraceGenerator.Generate(200, 8, 7, seed);
        Assert.That(trace.Jobs.Select(j => j.Kind).Distinct(), Is.EquivalentTo(new[] { "pr", "nightly", "release" }));
        var chooser = new GangChooser(trace.Profiles);
        var farm = SimReport.From("farm", trace, SimEngine.Run(trace, new FarmSimPolicy(
            new FarmScheduler(chooser, new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2))))));
        var fifo = SimReport.From("fifo", trace, SimEngine.Run(trace, new FifoFirstFitPolicy(chooser)));
        Assert.That(farm.Jobs, Is.EqualTo(trace.Jobs.Count));
        Assert.That(fifo.PrWaitP95, Is.GreaterThan(TimeSpan.Zero), "the trace must make pull requests wait under FIFO");
        Assert.That(farm.PrWaitP95 / fifo.PrWaitP95, Is.LessThanOrEqualTo(0.5), $"farm {farm.PrWaitP95}, fifo {fifo.PrWaitP95}");
        Assert.That(farm.Makespan / farm.LowerBound, Is.LessThanOrEqualTo(1.10), $"makespan {farm.Makespan}, lower bound {farm.LowerBound}");
    }
}
