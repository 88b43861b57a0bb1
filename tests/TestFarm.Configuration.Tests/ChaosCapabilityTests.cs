namespace TestFarm.Configuration.Tests;

/// <summary>A plan whose backend cannot perform a chaos step of its suites is refused at the step, naming the plan.</summary>
public sealed class ChaosCapabilityTests
{
    private const string ChaosSuite = """
        name: quick
        steps:
          - kind: chaos
            name: pods
            action: kill-pods
            namespace: default
            interval: 10s
            duration: 1m
          - kind: chaos
            name: kubelet-down
            action: kill-kubelet
            role: worker
            duration: 2m
          - kind: chaos
            name: power
            action: power-off
            role: worker
            restoreAfter: 1m
          - kind: chaos
            name: link
            action: nic-down
            role: worker
            nic: eno1
            restoreAfter: 30s
        """;

    private static readonly (string, string) Profile = ("hardware-profiles/small.yaml", ConfigText.Profile);

    [Test]
    public void Kill_kubelet_and_nic_down_are_refused_for_a_backend_without_a_node_agent_naming_the_step_and_the_plan()
    {
        var plan = ConfigText.Plan.Replace("deployer: lab", "deployer: kubespray", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, ("scenarios/suites/quick.yaml", ChaosSuite), ("scenarios/plans/tiny.yaml", plan));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/suites/quick.yaml:9:5: chaos step 'kubelet-down' of suite 'quick' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:12:10) for cell tiny/small/1cp-1w: " +
            "'kill-kubelet' needs a node agent and the backend of deployer 'kubespray' has none: the pool file has no nodeAccess.ssh (how the farm logs in to the machines), " +
            "and only the lab's simulated clusters have one without it",
            "scenarios/suites/quick.yaml:19:5: chaos step 'link' of suite 'quick' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:12:10) for cell tiny/small/1cp-1w: " +
            "'nic-down' needs NIC and drive faults and the backend of deployer 'kubespray' has none (only the lab injects them)",
        }));
    }

    private static string PoolWith(string nodeAccess) =>
        ConfigText.Pool(("m-1", "small", "l2a"), ("m-2", "small", "l2a")) + nodeAccess;

    private const string SshAccess = "nodeAccess:\n  ssh:\n    user: ops\n    keyFile: /etc/testfarm/ssh/id_ed25519\n";

    [Test]
    public void A_pool_that_says_how_to_log_in_over_ssh_gives_its_cells_a_node_agent_but_no_nic_or_drive_faults()
    {
        var plan = ConfigText.Plan.Replace("deployer: lab", "deployer: k3s", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, ("scenarios/suites/quick.yaml", ChaosSuite), ("scenarios/plans/tiny.yaml", plan), ("pool.yaml", PoolWith(SshAccess)));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/suites/quick.yaml:19:5: chaos step 'link' of suite 'quick' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:12:10) for cell tiny/small/1cp-1w: " +
            "'nic-down' needs NIC and drive faults and the backend of deployer 'k3s' has none (only the lab injects them)",
        }));
        Assert.That(set.Pool!.Value.Ssh, Is.EqualTo(new Core.Pool.SshNodeAccess { User = "ops", KeyFile = "/etc/testfarm/ssh/id_ed25519" }));
    }

    [Test]
    public void Kill_containers_is_refused_for_a_pool_without_ssh_access_naming_the_action_and_every_cell()
    {
        const string suite = "name: containers\nsteps:\n  - kind: chaos\n    name: restart-ceph\n    action: kill-containers\n    role: worker\n    namespace: rook-ceph\n";
        var plan = ConfigText.Plan.Replace("deployer: lab", "deployer: talos", StringComparison.Ordinal).Replace("[quick]", "[containers]", StringComparison.Ordinal)
            .Replace("- arch: amd64", "- arch: amd64\n    - arch: arm64", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, ("hardware-profiles/arm.yaml", ConfigText.ArmProfile), ("scenarios/suites/containers.yaml", suite),
            ("scenarios/plans/tiny.yaml", plan), ("pool.yaml", PoolWith("")));
        var chaos = ConfigText.Messages(set).Where(m => m.Contains("chaos step", StringComparison.Ordinal)).ToList();
        Assert.That(chaos, Is.EqualTo(new[]
        {
            "scenarios/suites/containers.yaml:3:5: chaos step 'restart-ceph' of suite 'containers' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:13:10) " +
            "for cells tiny/arm/1cp-1w, tiny/small/1cp-1w: 'kill-containers' needs a node agent and the backend of deployer 'talos' has none: " +
            "the pool file has no nodeAccess.ssh (how the farm logs in to the machines), and only the lab's simulated clusters have one without it",
        }));
    }

    [Test]
    public void The_lab_backend_can_perform_every_action()
    {
        var set = ConfigText.Load(Profile, ("scenarios/suites/quick.yaml", ChaosSuite), ("scenarios/plans/tiny.yaml", ConfigText.Plan));
        Assert.That(ConfigText.Messages(set), Is.Empty);
    }

    [Test]
    public void A_suite_no_plan_uses_is_not_judged_by_any_backend()
    {
        var set = ConfigText.Load(Profile, ("scenarios/suites/quick.yaml", ChaosSuite));
        Assert.That(ConfigText.Messages(set), Is.Empty);
    }
}
