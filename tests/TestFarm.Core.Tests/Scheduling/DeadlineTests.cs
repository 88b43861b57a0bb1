using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using static TestFarm.Core.Tests.Scheduling.SchedulingPool;

namespace TestFarm.Core.Tests.Scheduling;

public sealed class DeadlineTests
{
    // T0 is Monday 08:00 UTC.
    private static readonly DateTimeOffset Evening = T0.AddHours(12);

    [Test]
    public void A_local_deadline_is_the_next_such_time_in_the_farm_time_zone()
    {
        var eight = new TimeOnly(8, 0);
        Assert.That(Deadlines.Next(eight, Evening, TimeSpan.Zero), Is.EqualTo(T0.AddDays(1)), "20:00 Monday: 08:00 Tuesday");
        Assert.That(Deadlines.Next(eight, T0.AddHours(-6), TimeSpan.Zero), Is.EqualTo(T0), "02:00 Monday: 08:00 the same day");
        Assert.That(Deadlines.Next(eight, T0, TimeSpan.Zero), Is.EqualTo(T0.AddDays(1)), "at 08:00 exactly: the next day's");
        Assert.That(Deadlines.Next(eight, Evening, TimeSpan.FromHours(2)), Is.EqualTo(T0.AddDays(1).AddHours(-2)), "08:00 at UTC+2 is 06:00 UTC");
    }

    [Test]
    public void A_cell_of_a_plan_with_a_deadline_carries_the_instant()
    {
        var plan = new Plan
        {
            Name = "nightly", Trigger = new PlanTrigger { Kind = TriggerKind.Nightly, Cron = "0 0 20 * * ?" }, Matrix = new PlanMatrix(),
            Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" }, Priority = PriorityClass.Nightly, Deadline = new TimeOnly(8, 0),
        };
        var cell = new MatrixCell
        {
            Id = "nightly/x86/t", Plan = "nightly", Profile = "x86", Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "n", Count = 1 }] },
        };
        Assert.That(ReservationRequest.ForCell(cell, plan, "r1", Evening).Deadline, Is.EqualTo(T0.AddDays(1)));
        Assert.That(ReservationRequest.ForCell(cell, plan, "r1", Evening, farmUtcOffset: TimeSpan.FromHours(-5)).Deadline, Is.EqualTo(T0.AddDays(1).AddHours(5)));
        Assert.That(ReservationRequest.ForCell(cell, plan with { Deadline = null }, "r1", Evening).Deadline, Is.Null);
    }

    [Test]
    public void As_its_deadline_comes_a_nightly_passes_nightlies_without_one_but_not_a_pull_request()
    {
        var s = Scheduler(new PolicyOptions { AgingPerHour = 0, FairSharePenalty = 0 });
        var due = Req("due", "x86", 1) with { Deadline = Evening.AddHours(12) };
        var queue = new[] { Req("a-plain", "x86", 1), due, Req("pr", "x86", 1, PriorityClass.PullRequest) };
        SchedulerInput At(DateTimeOffset now) => new() { Machines = PoolOf("x86", 1), Queue = queue, Now = now };
        Assert.That(s.Order(At(Evening)).Select(r => r.Id), Is.EqualTo(new[] { "pr", "a-plain", "due" }), "12 h ahead: no urgency yet");
        Assert.That(s.Order(At(Evening.AddHours(6))).Select(r => r.Id), Is.EqualTo(new[] { "pr", "due", "a-plain" }));
        Assert.That(s.Order(At(Evening.AddHours(12))).Select(r => r.Id), Is.EqualTo(new[] { "pr", "due", "a-plain" }));
        Assert.That(s.Score(due, Evening.AddHours(12), new Dictionary<string, int>(), 1), Is.EqualTo(10 + 80));
        Assert.That(s.Score(due, Evening.AddHours(48), new Dictionary<string, int>(), 1), Is.EqualTo(10 + 160), "overdue: capped at twice the weight");
    }

    [Test]
    public void A_nightly_near_its_deadline_may_use_the_off_peak_headroom_but_never_the_peak_headroom()
    {
        // 10 machines, headroom 0.2 off-peak: plain nightlies stop at 8; ones whose slack is down to 8 h take all 10.
        var s = Scheduler(new PolicyOptions { Headroom = 0.2, PeakHeadroom = 0.5, AgingPerHour = 0, FairSharePenalty = 0 });
        var plain = Enumerable.Range(0, 5).Select(i => Req($"n{i}", "x86", 2, duration: TimeSpan.FromHours(4), at: Evening)).ToList();
        var night = new SchedulerInput { Machines = PoolOf("x86", 10), Queue = plain, Now = Evening };
        Assert.That(s.Decide(night).Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(8));
        var due = plain.Select(r => r with { Deadline = Evening.AddHours(12) }).ToList();
        Assert.That(s.Decide(night with { Queue = due }).Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(10));
        var farOff = plain.Select(r => r with { Deadline = Evening.AddHours(30) }).ToList();
        Assert.That(s.Decide(night with { Queue = farOff }).Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(8), "slack 26 h: no lending");
        // At 06:00 on Tuesday the same 4 h cells run into the 09:00 peak: the peak share stays free, deadline or not.
        var morning = night with { Queue = due.Select(r => r with { Deadline = T0.AddDays(1).AddHours(4) }).ToList(), Now = T0.AddDays(1).AddHours(-2) };
        Assert.That(s.Decide(morning).Start.Sum(p => p.Choice.MachineIds.Count), Is.EqualTo(4));
    }

    [Test]
    public void The_queue_says_which_deadline_is_at_risk_and_why()
    {
        var s = Scheduler(new PolicyOptions { AgingPerHour = 0, FairSharePenalty = 0, Headroom = 0, PeakHeadroom = 0 });
        var busy = PoolOf("x86", 2, "l2b", MachineState.InUse);
        var running = new RunningHold("long", "repo-b", busy.Select(m => m.Id).ToList(), Evening.AddHours(9)) { Priority = PriorityClass.Manual };
        var onTrack = Req("on-track", "x86", 2, duration: TimeSpan.FromHours(2), at: Evening) with { Deadline = Evening.AddHours(12) };
        var atRisk = Req("at-risk", "x86", 2, duration: TimeSpan.FromHours(4), at: Evening) with { Deadline = Evening.AddHours(12) };
        var input = new SchedulerInput { Machines = busy, Queue = [onTrack, atRisk], Running = [running], Now = Evening };
        var explained = new QueueExplainer(s).Explain(input, s.Decide(input)).ToDictionary(e => e.RequestId);
        Assert.That(explained["on-track"].BlockingReason, Does.Not.Contain("deadline"), "starts 05:00, ends 07:00");
        Assert.That(explained["at-risk"].BlockingReason, Does.EndWith(
            "deadline Tue 08:00 at risk: needs 4h (estimate), so must start by Tue 04:00; earliest start Tue 05:00"));
        var hopeless = atRisk with { Id = "hopeless", Topology = atRisk.Topology with { Roles = [new TopologyRole { Name = "node", Count = 3 }] } };
        var none = input with { Queue = [hopeless] };
        Assert.That(new QueueExplainer(s).Explain(none, s.Decide(none)).Single().BlockingReason, Does.EndWith(
            "deadline Tue 08:00 at risk: needs 4h (estimate), so must start by Tue 04:00; no start in sight on the machines as they are"));
    }
}
