using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using static TestFarm.Core.Tests.Scheduling.SchedulingPool;

namespace TestFarm.Core.Tests.Scheduling;

public sealed class PolicyTests
{
    [Test]
    public void Priority_classes_order_the_queue_release_then_pr_then_nightly_then_manual()
    {
        var s = Scheduler();
        var input = new SchedulerInput
        {
            Machines = PoolOf("x86", 1), Now = T0,
            Queue = [Req("m", "x86", 1, PriorityClass.Manual), Req("n", "x86", 1), Req("pr", "x86", 1, PriorityClass.PullRequest), Req("rq", "x86", 1, PriorityClass.ReleaseQualification)],
        };
        Assert.That(s.Order(input).Select(r => r.Id), Is.EqualTo(new[] { "rq", "pr", "n", "m" }));
        Assert.That(s.Decide(input).Start.Single().Request.Id, Is.EqualTo("rq"));
    }

    [Test]
    public void Aging_lets_a_long_waiting_nightly_pass_a_fresh_pull_request()
    {
        var s = Scheduler();
        SchedulerInput At(TimeSpan waited) => new()
        {
            Machines = PoolOf("x86", 1), Now = T0 + waited,
            Queue = [Req("nightly", "x86", 1, at: T0), Req("pr", "x86", 1, PriorityClass.PullRequest, at: T0 + waited)],
        };
        Assert.That(s.Order(At(TimeSpan.FromHours(8)))[0].Id, Is.EqualTo("pr"));
        Assert.That(s.Order(At(TimeSpan.FromHours(10)))[0].Id, Is.EqualTo("nightly"));
    }

    [Test]
    public void Fair_share_favours_the_repository_holding_less_of_the_pool()
    {
        var s = Scheduler();
        var input = new SchedulerInput
        {
            Machines = [.. PoolOf("x86", 1), .. PoolOf("x86", 9, "l2b", MachineState.InUse)], Now = T0 + TimeSpan.FromMinutes(30),
            Running = [new RunningHold("old", "busy-repo", PoolOf("x86", 8, "l2b").Select(m => m.Id).ToList(), T0 + TimeSpan.FromHours(3))],
            Queue = [Req("a", "x86", 1, PriorityClass.PullRequest, at: T0, repo: "busy-repo"), Req("b", "x86", 1, PriorityClass.PullRequest, at: T0 + TimeSpan.FromMinutes(20), repo: "idle-repo")],
        };
        Assert.That(s.Decide(input).Start.Single().Request.Id, Is.EqualTo("b"));
    }

    [Test]
    public void Easy_backfill_starts_short_jobs_and_keeps_the_heads_machines()
    {
        var s = Scheduler();
        var busy = PoolOf("x86", 2, "l2b", MachineState.InUse);
        var input = new SchedulerInput
        {
            Machines = [.. PoolOf("x86", 3), .. busy], Now = T0,
            Running = [new RunningHold("run", "r", busy.Select(m => m.Id).ToList(), T0 + TimeSpan.FromHours(1))],
            Queue =
            [
                Req("head", "x86", 4, PriorityClass.ReleaseQualification, TimeSpan.FromHours(5)),
                Req("long", "x86", 2, PriorityClass.PullRequest, TimeSpan.FromHours(3)),
                Req("short", "x86", 2, PriorityClass.Nightly, TimeSpan.FromMinutes(30)),
                Req("long-small", "x86", 1, PriorityClass.Manual, TimeSpan.FromHours(8)),
            ],
        };
        var d = s.Decide(input);
        Assert.That(d.Reservation!.RequestId, Is.EqualTo("head"));
        Assert.That(d.Reservation.Start, Is.EqualTo(T0 + TimeSpan.FromHours(1)));
        Assert.That(d.Start.Select(p => p.Request.Id), Is.EqualTo(new[] { "short", "long-small" }));
        Assert.That(d.Start.All(p => p.Backfilled), Is.True);
        var longSmall = d.Start.Single(p => p.Request.Id == "long-small").Choice.MachineIds;
        Assert.That(longSmall.Intersect(d.Reservation.Machines), Is.Empty, "a job outlasting the reservation must not use the head's machines");
    }

    [Test]
    public void Without_backfill_a_blocked_head_blocks_everything()
    {
        var s = Scheduler(new PolicyOptions { Backfill = false });
        var busy = PoolOf("x86", 2, "l2b", MachineState.InUse);
        var d = s.Decide(new SchedulerInput
        {
            Machines = [.. PoolOf("x86", 2), .. busy], Now = T0,
            Running = [new RunningHold("run", "r", busy.Select(m => m.Id).ToList(), T0 + TimeSpan.FromHours(1))],
            Queue = [Req("head", "x86", 4, PriorityClass.ReleaseQualification), Req("small", "x86", 1)],
        });
        Assert.That(d.Start, Is.Empty);
    }

    [TestCase(1)] [TestCase(2)] [TestCase(3)] [TestCase(4)] [TestCase(5)] [TestCase(6)] [TestCase(7)] [TestCase(8)]
    public void Backfill_never_delays_the_heads_reserved_start(int seed)
    {
        var rng = new Random(seed);
        var s = Scheduler(new PolicyOptions { FairSharePenalty = 0, AgingPerHour = 0, Headroom = 0, PeakHeadroom = 0 });
        var machines = PoolOf("x86", 12);
        var queue = Enumerable.Range(0, 40).Select(i => Req($"r{i:D2}", "x86", 1 + rng.Next(8), (PriorityClass)rng.Next(4),
            TimeSpan.FromMinutes(15 * (1 + rng.Next(16))), T0 + TimeSpan.FromSeconds(i))).ToList();
        var running = new List<RunningHold>();
        var promised = new Dictionary<string, DateTimeOffset>();
        var now = T0;
        var starts = 0;
        while (queue.Count > 0)
        {
            var busy = running.SelectMany(h => h.Machines).ToHashSet();
            var input = new SchedulerInput { Machines = machines.Select(m => m with { State = busy.Contains(m.Id) ? MachineState.InUse : MachineState.Available }).ToList(), Queue = queue, Running = running, Now = now };
            var d = s.Decide(input);
            if (d.Reservation is { } r) promised.TryAdd(r.RequestId, r.Start);
            foreach (var p in d.Start)
            {
                if (promised.TryGetValue(p.Request.Id, out var promise)) Assert.That(now, Is.LessThanOrEqualTo(promise), $"seed {seed}: {p.Request.Id} started after its reservation");
                running.Add(new RunningHold(p.Request.Id, "r", p.Choice.MachineIds, now + p.Estimate));
                queue.Remove(p.Request);
                starts++;
            }
            if (running.Count == 0) break;
            now = running.Min(h => h.ExpectedEnd);
            running.RemoveAll(h => h.ExpectedEnd <= now);
        }
        Assert.That(queue, Is.Empty);
        Assert.That(starts, Is.EqualTo(40));
        Assert.That(promised, Is.Not.Empty, "the trace must make some head wait");
    }

    [Test]
    public void Low_classes_leave_headroom_free_for_pull_requests()
    {
        var s = Scheduler(new PolicyOptions { Headroom = 0.25, PeakHeadroom = 0 });
        var input = new SchedulerInput
        {
            Machines = PoolOf("x86", 8), Now = T0,
            Queue = [Req("n1", "x86", 3), Req("n2", "x86", 3), Req("m1", "x86", 1, PriorityClass.Manual)],
        };
        var d = s.Decide(input);
        Assert.That(d.Start.Select(p => p.Request.Id), Is.EqualTo(new[] { "n1", "n2" }), "6 of 8 machines is the most low classes may hold");
        var withPr = s.Decide(input with { Queue = [.. input.Queue, Req("pr", "x86", 2, PriorityClass.PullRequest)] });
        Assert.That(withPr.Start.Select(p => p.Request.Id), Is.EqualTo(new[] { "pr", "n1", "n2" }));
    }
}
