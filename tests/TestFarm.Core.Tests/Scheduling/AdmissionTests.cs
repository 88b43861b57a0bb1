using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using static TestFarm.Core.Tests.Scheduling.SchedulingPool;

namespace TestFarm.Core.Tests.Scheduling;

public sealed class AdmissionTests
{
    private static readonly Dictionary<string, string> Mlx5 = new() { ["arch"] = "arm64", ["nics.driver"] = "mlx5_core" };

    private static List<MachineRecord> Pool() =>
        [.. PoolOf("arm", 2), .. PoolOf("arm", 1, "l2q", MachineState.Quarantined), .. PoolOf("arm", 1, "l2r", MachineState.Retired), .. PoolOf("x86", 4)];

    [Test]
    public void A_request_the_pool_could_serve_after_repair_is_admitted_and_told_what_blocks_it()
    {
        var explainer = new QueueExplainer(Scheduler());
        var r = Req("r", "arm", 3, selector: Mlx5);
        Assert.That(explainer.Admit(r, Pool()).Admitted, Is.True);
        Assert.That(explainer.Blocking(r, Pool()), Is.EqualTo("needs 3× node [profile=arm, arch=arm64, nics.driver=mlx5_core]; 2 healthy (2 free), 1 quarantined"));
    }

    [Test]
    public void Never_satisfiable_requests_are_rejected_with_the_reason()
    {
        var explainer = new QueueExplainer(Scheduler());
        var tooBig = explainer.Admit(Req("r", "arm", 4, selector: Mlx5), Pool());
        Assert.That(tooBig.Admitted, Is.False);
        Assert.That(tooBig.Reasons.Single(), Does.StartWith("never satisfiable by this pool: needs 4× node"));
        var wrongArch = explainer.Admit(Req("r", "x86", 1, selector: Mlx5), Pool());
        Assert.That(wrongArch.Admitted, Is.False);
    }

    [Test]
    public void Invalid_requests_are_refused_with_every_reason()
    {
        var explainer = new QueueExplainer(Scheduler());
        var bad = Req("r", "sparc", -1) with { Spares = -2 };
        var result = explainer.Admit(bad, Pool());
        Assert.That(result.Reasons, Has.Some.Contains("unknown profile 'sparc'"));
        Assert.That(result.Reasons, Has.Some.Contains("count must be positive, was -1"));
        Assert.That(result.Reasons, Has.Some.Contains("spares must not be negative"));
    }

    [Test]
    public void Waiting_requests_get_positions_reasons_and_the_head_its_reserved_start_as_eta()
    {
        var s = Scheduler();
        var busy = PoolOf("x86", 4, "l2b", MachineState.InUse);
        var input = new SchedulerInput
        {
            Machines = [.. busy], Now = T0,
            Running = [new RunningHold("run", "r", busy.Select(m => m.Id).ToList(), T0 + TimeSpan.FromHours(2))],
            Queue = [Req("first", "x86", 4, PriorityClass.PullRequest), Req("second", "x86", 2)],
        };
        var d = s.Decide(input);
        var status = new QueueExplainer(s).Explain(input, d);
        Assert.That(status.Select(q => (q.RequestId, q.Position)), Is.EqualTo(new[] { ("first", 1), ("second", 2) }));
        Assert.That(status[0].Eta, Is.EqualTo(T0 + TimeSpan.FromHours(2)));
        Assert.That(status[0].BlockingReason, Does.Contain("needs 4× node [profile=x86]; 4 healthy (0 free)"));
        Assert.That(status[1].BlockingReason, Does.Contain("behind first"));
        Assert.That(status[1].Eta, Is.GreaterThanOrEqualTo(T0 + TimeSpan.FromHours(2)));
    }

    [Test]
    public void The_gang_chooser_honours_roles_spares_and_one_l2_domain()
    {
        var chooser = new GangChooser(Profiles);
        List<MachineRecord> machines = [.. PoolOf("x86", 2, "l2a"), .. PoolOf("x86", 3, "l2b")];
        var r = Req("r", "x86", 2) with { Spares = 1, Topology = new Topology { Name = "t", SameL2Domain = true, Roles = [new TopologyRole { Name = "cp", Count = 2 }] } };
        var choice = chooser.Choose(r, machines)!;
        Assert.That(choice.Assignments.Count(a => a.Role == "spare"), Is.EqualTo(1));
        Assert.That(choice.MachineIds, Is.All.Contains("l2b"));
        Assert.That(chooser.Choose(r with { Spares = 2 }, machines), Is.Null);
    }
}
