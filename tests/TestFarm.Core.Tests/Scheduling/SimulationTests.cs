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

    [Test]
    public void The_max_wait_floor_counts_each_machine_once_per_shortest_cell_and_machines_still_held_by_a_long_request()
    {
        var t = SchedulingPool.T0;
        SimJob Cell(string id, int count, TimeSpan holds, DateTimeOffset at) =>
            new(SchedulingPool.Req(id, "x86", count, at: at, duration: holds), holds, "nightly");
        var cells = Enumerable.Range(0, 8).Select(i => Cell($"c{i}", 1, TimeSpan.FromHours(2), t)).ToList();
        var alone = new SimTrace(SchedulingPool.PoolOf("x86", 4), SchedulingPool.Profiles, cells, t);
        // Four machines start eight two-hour cells at best four now and four two hours later.
        Assert.That(SimReport.MaxWaitFloor(alone), Is.EqualTo(new WaitFloor(TimeSpan.FromHours(2), "x86", t)));
        // A gang of two that arrived three hours earlier for six hours holds two machines until three hours after the
        // cells arrive unless it waited as long itself: only a wait over three hours lets all eight start.
        var behind = alone with { Jobs = [Cell("long", 2, TimeSpan.FromHours(6), t - TimeSpan.FromHours(3)), .. cells], Start = t - TimeSpan.FromHours(3) };
        Assert.That(SimReport.MaxWaitFloor(behind).Floor, Is.EqualTo(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(1)));
    }

    [Test]
    public void On_the_evening_week_no_policy_keeps_every_wait_within_four_hours_and_both_policies_wait_at_least_the_floor()
    {
        var trace = SimTraceGenerator.Generate(200, 8, 7, 1);
        var floor = SimReport.MaxWaitFloor(trace);
        Assert.That(floor.Floor, Is.GreaterThan(TimeSpan.FromHours(4)), $"{floor}");
        Assert.That(Farm(trace).MaxWait, Is.GreaterThanOrEqualTo(floor.Floor));
        Assert.That(Fifo(trace).MaxWait, Is.GreaterThanOrEqualTo(floor.Floor));
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
