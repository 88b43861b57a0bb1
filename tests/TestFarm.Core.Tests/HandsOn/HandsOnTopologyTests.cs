using TestFarm.Core.HandsOn;
using TestFarm.Core.Plans;

namespace TestFarm.Core.Tests.HandsOn;

public sealed class HandsOnTopologyTests
{
    private static Topology Of(params (string Name, int Count)[] roles) =>
        new() { Name = "t", Roles = [.. roles.Select(r => new TopologyRole { Name = r.Name, Count = r.Count })] };

    [Test]
    public void With_count_n_the_first_machine_is_control_plane_and_the_rest_workers()
    {
        Assert.That(HandsOnTopology.Roles(1), Is.EqualTo(new[] { "control-plane" }));
        Assert.That(HandsOnTopology.Roles(3), Is.EqualTo(new[] { "control-plane", "worker", "worker" }));
    }

    [Test]
    public void A_liked_cells_topology_is_taken_control_plane_first_when_its_roles_add_up_to_the_machines()
    {
        Assert.That(HandsOnTopology.Roles(4, Of(("worker", 1), ("control-plane", 3))),
            Is.EqualTo(new[] { "control-plane", "control-plane", "control-plane", "worker" }));
        Assert.That(HandsOnTopology.Roles(2, Of(("control-plane", 1), ("worker", 2))), Is.EqualTo(new[] { "control-plane", "worker" }),
            "roles that do not add up to the machines fall back");
        Assert.That(HandsOnTopology.Roles(2, Of(("worker", 2))), Is.EqualTo(new[] { "control-plane", "worker" }), "a topology without a control plane falls back");
    }

    [Test]
    public void Zero_machines_is_refused() =>
        Assert.That(() => HandsOnTopology.Roles(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
