using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using static TestFarm.Core.Tests.Scheduling.SchedulingPool;

namespace TestFarm.Core.Tests.Scheduling;

public sealed class DurationEstimateTests
{
    private static TimeSpan Min(int m) => TimeSpan.FromMinutes(m);

    [Test]
    public void The_estimate_is_the_median_per_plan_and_profile_else_the_requests_own_else_the_fallback()
    {
        var estimator = new HistoryDurationEstimator(TimeSpan.FromHours(2));
        var x86 = Req("a", "x86", 1, duration: Min(90));
        Assert.That(estimator.Estimate(x86), Is.EqualTo(Min(90)), "no history: the request's own estimate");
        Assert.That(estimator.Estimate(x86 with { EstimatedDuration = null }), Is.EqualTo(TimeSpan.FromHours(2)), "nothing at all: the fallback");

        estimator.Record("p", "x86", Min(30));
        estimator.Record("p", "x86", Min(10));
        estimator.Record("p", "x86", Min(50));
        Assert.That(estimator.Estimate(x86), Is.EqualTo(Min(30)), "odd count: the middle one");
        estimator.Record("p", "x86", Min(40));
        Assert.That(estimator.Estimate(x86), Is.EqualTo(Min(35)), "even count: the mean of the two middle ones");
        Assert.That(estimator.Estimate(Req("b", "arm", 1, duration: Min(90))), Is.EqualTo(Min(90)), "another profile has its own history");
        Assert.That(estimator.Estimate(x86 with { Plan = "other" }), Is.EqualTo(Min(90)), "another plan has its own history");
    }

    [Test]
    public void Replace_takes_the_newest_window_and_an_empty_history_forgets_the_median()
    {
        var estimator = new HistoryDurationEstimator(TimeSpan.FromHours(2));
        var x86 = Req("a", "x86", 1, duration: Min(90));
        // Newest first, as a store returns them: only the first Window count.
        var durations = Enumerable.Repeat(Min(20), HistoryDurationEstimator.Window).Concat(Enumerable.Repeat(Min(500), 50)).ToList();
        estimator.Replace("p", "x86", durations);
        Assert.That(estimator.Estimate(x86), Is.EqualTo(Min(20)));
        estimator.Replace("p", "x86", []);
        Assert.That(estimator.Estimate(x86), Is.EqualTo(Min(90)));
    }

    [Test]
    public void A_learned_estimate_changes_the_heads_reserved_start_and_so_what_may_backfill()
    {
        // Two of four machines run a hold granted at T0; the head needs all four; a one-machine request of 1 h may
        // backfill only if it ends before the running hold is expected back.
        var machines = PoolOf("x86", 4);
        var running = new RunningHold("run", "repo-a", [machines[0].Id, machines[1].Id], T0) { Priority = PriorityClass.Nightly };
        var estimator = new HistoryDurationEstimator(TimeSpan.FromHours(2));
        var scheduler = new FarmScheduler(new GangChooser(Profiles), new PolicyOptions { Headroom = 0, PeakHeadroom = 0 }, estimator);
        var head = Req("head", "x86", 4, PriorityClass.ReleaseQualification, duration: null);
        var small = Req("small", "x86", 1, PriorityClass.Nightly, duration: null) with { Plan = "short" };
        SchedulerInput Input(TimeSpan runningFor) => new()
        {
            Machines = [.. machines.Select((m, i) => i < 2 ? m with { State = MachineState.InUse } : m)],
            Queue = [head, small],
            Running = [running with { ExpectedEnd = T0 + runningFor }],
            Now = T0,
        };

        estimator.Record("short", "x86", TimeSpan.FromHours(1));
        var longRun = scheduler.Decide(Input(TimeSpan.FromHours(3)));
        Assert.That(longRun.Reservation!.Start, Is.EqualTo(T0 + TimeSpan.FromHours(3)));
        Assert.That(longRun.Start.Select(p => p.Request.Id), Is.EqualTo(new[] { "small" }), "1 h ends before the head's start: backfilled");

        estimator.Record("short", "x86", TimeSpan.FromHours(5));
        estimator.Record("short", "x86", TimeSpan.FromHours(6));
        var learned = scheduler.Decide(Input(TimeSpan.FromHours(3)));
        Assert.That(learned.Start, Is.Empty, "the learned median (5 h) would delay the head: no backfill");
    }
}
