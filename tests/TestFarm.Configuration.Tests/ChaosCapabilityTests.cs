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
            "scenarios/suites/quick.yaml:9:5: chaos step 'kubelet-down' of suite 'quick' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:12:10): " +
            "'kill-kubelet' needs a node agent and the backend of deployer 'kubespray' has none (only the lab's simulated clusters have one)",
            "scenarios/suites/quick.yaml:19:5: chaos step 'link' of suite 'quick' cannot run in plan 'tiny' (scenarios/plans/tiny.yaml:12:10): " +
            "'nic-down' needs NIC and drive faults and the backend of deployer 'kubespray' has none (only the lab injects them)",
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
