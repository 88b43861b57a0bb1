using TestFarm.Core.Scheduling;
using TestFarm.Core.Scheduling.Simulation;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>The issue's figures on the simulated weeks (the same trace through both policies), as the bench prints them.</summary>
public sealed class SimulationTests
{
    private static SimReport Farm(SimTrace trace, PolicyOptions? options = null) => SimReport.From("farm", trace, SimEngine.Run(trace, new FarmSimPolicy(
        new FarmScheduler(new GangChooser(trace.Profiles), options ?? new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2))))));

    private static SimReport Fifo(SimTrace trace) => SimReport.From("fifo", trace, SimEngine.Run(trace, new FifoFirstFitPolicy(new GangChooser(trace.Profiles))));

    [TestCase(1)]
    [TestCase(2)]
    public void On_the_week_the_issue_measured_pull_requests_wait_at_most_a_quarter_of_fifo_within_ten_percent_of_the_lower_bound(int seed)
    {
        // Nightly triggered at 03:00 as the issue measured: pull requests meet the nightly's tail in working hours.
        var trace = SimTraceGenerator.Generate(200, 8, 7, seed, new SimLoad { NightlyAt = TimeSpan.FromHours(3) });
        Assert.That(trace.Jobs.Select(j => j.Kind).Distinct(), Is.EquivalentTo(new[] { "pr", "nightly", "release" }));
        var farm = Farm(trace);
        var fifo = Fifo(trace);
        Assert.That(farm.Jobs, Is.EqualTo(trace.Jobs.Count));
        Assert.That(fifo.PrWaitP95, Is.GreaterThan(TimeSpan.Zero), "the trace must make pull requests wait under FIFO");
        Assert.That(farm.PrWaitP95 / fifo.PrWaitP95, Is.LessThanOrEqualTo(0.25), $"farm {farm.PrWaitP95}, fifo {fifo.PrWaitP95}");
        Assert.That(farm.Makespan / farm.LowerBound, Is.LessThanOrEqualTo(1.10), $"makespan {farm.Makespan}, lower bound {farm.LowerBound}");
        // Five hours to 08:00 cannot hold a profile's eight hours of nightly work: no policy gets every cell in time.
        Assert.That(SimReport.NightlyOnTimeCeiling(trace), Is.LessThan(0.75));
        Assert.That(farm.NightlyOnTime, Is.LessThanOrEqualTo(SimReport.NightlyOnTimeCeiling(trace)));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void A_nightly_triggered_in_the_evening_is_ready_by_eight_for_all_but_a_few_cells(int seed)
    {
        var trace = SimTraceGenerator.Generate(200, 8, 7, seed);
        Assert.That(trace.Jobs.Where(j => j.Kind == "nightly").All(j => j.Request.Deadline == j.Request.SubmittedAt.AddHours(12)), Is.True);
        Assert.That(SimReport.NightlyOnTimeCeiling(trace), Is.EqualTo(1.0));
        var farm = Farm(trace);
        Assert.That(farm.NightlyLate, Is.LessThanOrEqualTo(3), $"on time {farm.NightlyOnTime}");
        Assert.That(farm.Makespan / farm.LowerBound, Is.LessThanOrEqualTo(1.10));
        // Lending the off-peak headroom to cells near their deadline is what brings them in.
        var noLending = Farm(trace, new PolicyOptions { DeadlineHeadroomSlack = TimeSpan.FromHours(-1) });
        Assert.That(noLending.NightlyLate, Is.GreaterThan(farm.NightlyLate + 5), $"without lending {noLending.NightlyLate} late, with {farm.NightlyLate}");
    }

    [Test]
    public void Machines_failing_health_checks_mid_week_are_never_handed_out_again()
    {
        var trace = SimTraceGenerator.Generate(240, 8, 7, 3, new SimLoad { FailingShare = 0.05 });
        Assert.That(trace.Failures, Has.Count.EqualTo(12));
        Assert.That(trace.Failures.All(f => f.At >= SimTraceGenerator.Monday.AddDays(2) && f.At < SimTraceGenerator.Monday.AddDays(4)), Is.True);
        var outcomes = SimEngine.Run(trace, new FarmSimPolicy(new FarmScheduler(new GangChooser(trace.Profiles), new PolicyOptions(),
            new HistoryDurationEstimator(TimeSpan.FromHours(2)))));
        Assert.That(outcomes, Has.Count.EqualTo(trace.Jobs.Count));
        var failedAt = trace.Failures.ToDictionary(f => f.Machine, f => f.At);
        var placements = new RecordingPolicy(trace);
        SimEngine.Run(trace, placements);
        var late = placements.Starts.Where(s => s.Machines.Any(m => failedAt.TryGetValue(m, out var at) && s.At > at)).ToList();
        Assert.That(late, Is.Empty, string.Join(", ", late.Take(3).Select(s => $"{s.At:O} {string.Join('+', s.Machines)}")));
        Assert.That(placements.Starts, Is.Not.Empty);
    }

    /// <summary>The farm policy, recording when each gang starts.</summary>
    private sealed class RecordingPolicy(SimTrace trace) : ISimPolicy
    {
        private readonly FarmSimPolicy _inner = new(new FarmScheduler(new GangChooser(trace.Profiles), new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2))));
        public List<(DateTimeOffset At, IReadOnlyList<string> Machines)> Starts { get; } = [];
        public string Name => "recording";

        public IReadOnlyList<(ReservationRequest Request, IReadOnlyList<string> Machines)> Decide(SchedulerInput input)
        {
            var decided = _inner.Decide(input);
            Starts.AddRange(decided.Select(d => (input.Now, d.Item2)));
            return decided;
        }
    }
}
