using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using static TestFarm.Core.Tests.Scheduling.SchedulingPool;

namespace TestFarm.Core.Tests.Scheduling;

public sealed class PeakHeadroomTests
{
    // T0 is Monday 08:00 UTC; the default peak window is weekdays 09:00-18:00 UTC.
    private static readonly DateTimeOffset Saturday = T0.AddDays(5);

    [Test]
    public void First_peak_instant_is_found_only_when_the_interval_reaches_a_weekday_window()
    {
        var o = new PolicyOptions();
        Assert.That(o.FirstPeakInstant(T0, T0.AddMinutes(30)), Is.Null, "08:00-08:30 ends before 09:00");
        Assert.That(o.FirstPeakInstant(T0, T0.AddHours(3)), Is.EqualTo(T0.AddHours(1)));
        Assert.That(o.FirstPeakInstant(T0.AddHours(4), T0.AddHours(5)), Is.EqualTo(T0.AddHours(4)), "inside the window: now");
        Assert.That(o.FirstPeakInstant(T0.AddHours(10), T0.AddHours(24)), Is.Null, "18:00 Monday to 08:00 Tuesday misses");
        Assert.That(o.FirstPeakInstant(T0.AddHours(10), T0.AddHours(26)), Is.EqualTo(T0.AddHours(25)), "to 10:00 Tuesday reaches 09:00 Tuesday");
        Assert.That(o.FirstPeakInstant(Saturday, Saturday.AddHours(20)), Is.Null, "no peak at weekends");
        Assert.That(new PolicyOptions { PeakUtcOffset = TimeSpan.FromHours(2) }.FirstPeakInstant(T0.AddHours(-3), T0.AddHours(-2)), Is.Null, "07:00-08:00 local");
        Assert.That(new PolicyOptions { PeakUtcOffset = TimeSpan.FromHours(2) }.FirstPeakInstant(T0 - TimeSpan.FromHours(2), T0), Is.EqualTo(T0 - TimeSpan.FromHours(1)), "09:00 at UTC+2 is 07:00 UTC");
        Assert.That(new PolicyOptions { PeakHeadroom = 0 }.FirstPeakInstant(T0, T0.AddHours(3)), Is.Null);
    }

    [Test]
    public void A_nightly_that_runs_into_working_hours_leaves_the_peak_share_free()
    {
        var s = Scheduler(new PolicyOptions { Headroom = 0.2, PeakHeadroom = 0.5, AgingPerHour = 0, FairSharePenalty = 0 });
        // 10 machines, six 2-machine nightlies of 3 h from 08:00: they would hold machines at 09:00, so at most 5 of 10.
        var queue = Enumerable.Range(0, 6).Select(i => Req($"n{i}", "x86", 2, PriorityClass.Nightly, TimeSpan.FromHours(3))).ToList();
        var day = s.Decide(new SchedulerInput { Machines = PoolOf("x86", 10), Queue = queue, Now = T0 });
        Assert.That(day.Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(4), "2-machine gangs up to 5 of 10: 4 machines");
        // The same load on a Saturday night only keeps the off-peak headroom: 8 of 10.
        var weekend = s.Decide(new SchedulerInput { Machines = PoolOf("x86", 10), Queue = queue, Now = Saturday });
        Assert.That(weekend.Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(8));
        // Short nightlies that end before 09:00 may use the off-peak share on a weekday morning too.
        var shortQueue = Enumerable.Range(0, 6).Select(i => Req($"s{i}", "x86", 2, PriorityClass.Nightly, TimeSpan.FromMinutes(45))).ToList();
        var early = s.Decide(new SchedulerInput { Machines = PoolOf("x86", 10), Queue = shortQueue, Now = T0 });
        Assert.That(early.Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(8));
    }

    [Test]
    public void Low_class_holds_that_end_before_the_peak_do_not_count_against_it()
    {
        var s = Scheduler(new PolicyOptions { Headroom = 0.2, PeakHeadroom = 0.5, AgingPerHour = 0, FairSharePenalty = 0 });
        var busy = PoolOf("x86", 4, "l2b", TestFarm.Core.Machines.MachineState.InUse);
        var machines = PoolOf("x86", 6).Concat(busy).ToList();
        var endingSoon = new RunningHold("early", "nightly", busy.Select(m => m.Id).ToList(), T0.AddMinutes(30)) { Priority = PriorityClass.Nightly };
        var endingLate = endingSoon with { ExpectedEnd = T0.AddHours(2) };
        var queue = new[] { Req("n", "x86", 4, PriorityClass.Nightly, TimeSpan.FromHours(3)) };
        Assert.That(s.Decide(new SchedulerInput { Machines = machines, Queue = queue, Running = [endingSoon], Now = T0 }).Start, Has.Count.EqualTo(1),
            "4 running until 08:30 + 4 new: 8 now (cap 8), 4 at 09:00 (cap 5)");
        Assert.That(s.Decide(new SchedulerInput { Machines = machines, Queue = queue, Running = [endingLate], Now = T0 }).Start, Is.Empty,
            "4 still running at 09:00 + 4 new exceed the peak cap of 5");
        var pr = Req("pr", "x86", 4, PriorityClass.PullRequest, TimeSpan.FromHours(3));
        Assert.That(s.Decide(new SchedulerInput { Machines = machines, Queue = [pr], Running = [endingLate], Now = T0 }).Start, Has.Count.EqualTo(1),
            "pull requests use the headroom");
    }

    [Test]
    public void Unusable_policy_options_are_refused_naming_each_option_and_value()
    {
        var bad = new PolicyOptions { PeakStartHour = 18, PeakEndHour = 9, PeakHeadroom = 1.5, PeakUtcOffset = TimeSpan.FromHours(20) };
        Assert.That(bad.Problems(), Is.EquivalentTo(new[]
        {
            "PeakHeadroom must be between 0 and 0.9, was 1.5",
            "PeakEndHour must be after PeakStartHour (18), was 9",
            "PeakUtcOffset must be within ±14h, was 20:00:00",
        }));
        Assert.That(() => Scheduler(bad), Throws.ArgumentException.With.Message.Contains("PeakEndHour must be after PeakStartHour (18), was 9"));
        Assert.That(new PolicyOptions().Problems(), Is.Empty);
    }
}
